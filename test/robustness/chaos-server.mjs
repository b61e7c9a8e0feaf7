// The receiving side of the chaos run, in its own process (started with --expose-gc) so that its
// heap can be measured alone. Talks to the test over IPC: 'start' -> { port }, 'measure' -> heap,
// 'report' -> per-delivery success counts, store size, logs.
import { createServer } from 'node:http';
import { createMemoryStore, createWebhookReceiver } from '@armalo-webhooks/core';
import { createNodeHandler } from '@armalo-webhooks/core/node';

const { SECRET, FAIL_RATE } = JSON.parse(process.argv[2]);
const store = createMemoryStore({ maxEntries: 1_000_000 });
const lines = [];
let handlerFailures = 0;
let handlerRuns = 0;
/** Successful handler runs per delivery id. */
let successes = new Map();

const receiver = createWebhookReceiver({
  secret: SECRET,
  idempotency: { store },
  logger: {
    warn: (message, meta) => lines.push(`warn ${message} ${JSON.stringify(meta ?? {})}`),
    error: (message, meta) => lines.push(`error ${message} ${JSON.stringify(meta ?? {})}`),
  },
  onError: (error, info) => {
    if (lines.length < 5000)
      lines.push(`onError ${error.code} ${error.message} ${String(error.cause)} ${JSON.stringify(info)}`);
  },
});

receiver.on('pact.violated', async (event) => {
  handlerRuns++;
  // Yield once, so concurrent copies of a delivery really overlap with this attempt.
  await new Promise((resolve) => setImmediate(resolve));
  if (Math.random() < FAIL_RATE) {
    handlerFailures++;
    throw new Error('random handler failure (chaos)');
  }
  const id = event.data.id;
  successes.set(id, (successes.get(id) ?? 0) + 1);
});

const server = createServer(createNodeHandler(receiver));
server.keepAliveTimeout = 10_000;

function heap() {
  for (let i = 0; i < 4; i++) globalThis.gc();
  const { heapUsed, rss, external, arrayBuffers } = process.memoryUsage();
  return { heapUsed, rss, external, arrayBuffers };
}

process.on('message', (message) => {
  if (message.type === 'start') {
    server.listen(0, '127.0.0.1', () => process.send({ type: 'started', port: server.address().port }));
  } else if (message.type === 'reset') {
    // After the warm-up: forget what it processed, so the baseline holds no keys.
    store.clear();
    successes = new Map();
    handlerRuns = 0;
    handlerFailures = 0;
    lines.length = 0;
    process.send({ type: 'reset', heap: heap() });
  } else if (message.type === 'report') {
    let counts = [...successes.values()];
    const summary = {
      unique: counts.length,
      overOnce: counts.filter((c) => c !== 1).length,
      totalSuccesses: counts.reduce((a, b) => a + b, 0),
      handlerRuns,
      handlerFailures,
      storeSize: store.size,
    };
    counts = undefined;
    // The ids and log lines go first, and the heap is measured once they are written out, so that
    // the report itself is not counted as memory left behind.
    process.send({ type: 'ids', ids: [...successes.keys()], lines: lines.splice(0) }, () => {
      successes = new Map();
      const withStore = heap();
      // The store holds every completed key for its retention, by design: drop it to see whether
      // anything else is left behind.
      store.clear();
      const afterClear = heap();
      process.send({ type: 'report', ...summary, withStore, afterClear });
    });
  } else if (message.type === 'stop') {
    server.closeAllConnections();
    server.close(() => process.exit(0));
  }
});
