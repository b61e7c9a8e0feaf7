// The durable inbox: what it adds to each acknowledged delivery, and what one worker process does.
//
//   node bench/src/inbox.js           # 3,000 timed deliveries, 3,000 jobs per throughput run
//   node bench/src/inbox.js --quick   # 500 and 500
//
// - 'ack added': receive() with the inbox (store, then answer queued) minus receive() inline with a
//   no-op handler and idempotency off, on the same kind of signed bodies, interleaved delivery by
//   delivery so machine noise hits both alike. Sequential: a latency, not a throughput.
// - 'worker cN': one createInboxWorker at concurrency N, a no-op handler, draining a queue filled
//   beforehand; deliveries per second from start to the last handler call.
// PostgreSQL: DATABASE_URL; Redis: REDIS_URL. An unreachable server gives skipped rows. Each run
// uses its own schema, queue and key prefix, and removes them.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createInboxWorker, createMemoryInbox, createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import { Redis } from 'ioredis';
import pg from 'pg';

const GROUP = 'inbox';
const SECRET = 'whsec_inbox_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TARGETS = { 'pg-boss': '<= 2', bullmq: '<= 0.5' };
const quiet = { warn() {}, error() {} };

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const now = () => process.hrtime.bigint();
const ms = (from, to) => Number(to - from) / 1e6;
const round = (value) => Math.round(value * 10_000) / 10_000;
const suffix = () => randomBytes(6).toString('hex');

let sequence = 0;
function delivery() {
  const signed = createSignedDelivery(
    'score.changed',
    { ...sampleData('score.changed'), n: sequence++, run: suffix() },
    { secret: SECRET },
  );
  return { rawBody: signed.body, headers: signed.headers, method: 'POST' };
}

/** receive() with the inbox minus receive() inline, interleaved. */
async function ackAdded(inbox, count, warmup) {
  const inline = createWebhookReceiver({ secret: SECRET, idempotency: false, logger: quiet });
  inline.onAny(() => {});
  const stored = createWebhookReceiver({ secret: SECRET, inbox, logger: quiet });
  const withInbox = [];
  const without = [];
  for (let i = 0; i < count + warmup; i++) {
    const a = delivery();
    const b = delivery();
    let start = now();
    const result = await stored.receive(a);
    const tInbox = ms(start, now());
    if (result.status !== 200) throw new Error(`inbox answered ${result.status} ${JSON.stringify(result.body)}`);
    start = now();
    await inline.receive(b);
    const tInline = ms(start, now());
    if (i >= warmup) {
      withInbox.push(tInbox);
      without.push(tInline);
    }
  }
  withInbox.sort((x, y) => x - y);
  without.sort((x, y) => x - y);
  return {
    p50: percentile(withInbox, 50) - percentile(without, 50),
    p99: percentile(withInbox, 99) - percentile(without, 99),
    inboxP50: percentile(withInbox, 50),
  };
}

/** Fills the inbox with `count` deliveries, then times one worker draining them. */
async function workerRate(inbox, count, concurrency) {
  const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: quiet });
  let handled = 0;
  let resolveDone;
  const done = new Promise((resolve) => {
    resolveDone = resolve;
  });
  webhooks.onAny(() => {
    if (++handled === count) resolveDone();
  });
  for (let i = 0; i < count; i++) {
    const result = await webhooks.receive(delivery());
    if (result.status !== 200) throw new Error(`inbox answered ${result.status}`);
  }
  const worker = createInboxWorker(webhooks, { concurrency, retry: { attempts: 3, baseMs: 100 } });
  const start = now();
  await worker.start();
  await done;
  const seconds = ms(start, now()) / 1000;
  await worker.stop();
  return count / seconds;
}

function rows(label, added, rates, note) {
  return [
    {
      group: GROUP,
      name: `${label} ack added`,
      value: round(added.p50),
      unit: 'ms',
      better: 'lower',
      p99: round(added.p99),
      target: TARGETS[label],
      targetOn: 'value',
      note: `p50 ${round(added.p50)} ms, p99 ${round(added.p99)} ms over inline (receive() with the inbox: p50 ${round(added.inboxP50)} ms)`,
    },
    ...rates.map(([concurrency, rate]) => ({
      group: GROUP,
      name: `${label} worker c${concurrency}`,
      value: Math.round(rate),
      unit: 'deliveries/s',
      better: 'higher',
      note,
    })),
  ];
}

function skipped(label, reason) {
  return ['ack added', 'worker c1', 'worker c8'].map((what) => ({
    group: GROUP,
    name: `${label} ${what}`,
    value: Number.NaN,
    skipped: reason,
  }));
}

async function measure(label, open, sizes, note) {
  const added = await (async () => {
    const { inbox, close } = await open();
    try {
      return await ackAdded(inbox, sizes.count, sizes.warmup);
    } finally {
      await close();
    }
  })();
  const rates = [];
  for (const concurrency of [1, 8]) {
    const { inbox, close } = await open();
    try {
      rates.push([concurrency, await workerRate(inbox, sizes.jobs, concurrency)]);
    } finally {
      await close();
    }
  }
  return rows(label, added, rates, note);
}

export async function runInboxBench({ quick = false, log = () => {} } = {}) {
  const sizes = quick ? { count: 500, warmup: 100, jobs: 500 } : { count: 3_000, warmup: 300, jobs: 3_000 };
  const out = [];

  log('inbox: memory');
  out.push(
    ...(await measure(
      'memory',
      async () => {
        const inbox = createMemoryInbox();
        return { inbox, close: () => inbox.close() };
      },
      sizes,
      'in-process: bound by the handler dispatch and the event loop only',
    )),
  );

  log('inbox: pg-boss');
  const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  admin.on('error', () => {});
  const schema = `armalo_inbox_bench_${suffix()}`;
  try {
    await admin.connect();
    out.push(
      ...(await measure(
        'pg-boss',
        async () => {
          const inbox = createPgBossInbox(
            { connectionString: DATABASE_URL, max: 12 },
            { schema, queue: `bench-${suffix()}`, pollIntervalMs: 50 },
          );
          await inbox.ready();
          return { inbox, close: () => inbox.close() };
        },
        sizes,
        'per delivery: a fetch (UPDATE … SKIP LOCKED), BEGIN, the processed-row INSERT, complete, COMMIT: about 5 round trips and one commit (WAL flush), spread over the pool',
      )),
    );
  } catch (error) {
    out.push(...skipped('pg-boss', `PostgreSQL not reachable: ${error.message}`));
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin.end().catch(() => {});
  }

  log('inbox: bullmq');
  const prefix = `armalo-bench-${suffix()}`;
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    out.push(
      ...(await measure(
        'bullmq',
        async () => {
          const inbox = createBullMQInbox({ connection: REDIS_URL, prefix, queue: `bench-${suffix()}` });
          return { inbox, close: () => inbox.close() };
        },
        sizes,
        "per delivery: BullMQ's moveToFinished script (completes one job and fetches the next) plus the lock renewals; bound by Redis round trips and this process's event loop",
      )),
    );
  } catch (error) {
    out.push(...skipped('bullmq', `Redis not reachable at ${REDIS_URL}: ${error.message}`));
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000).catch(() => ['0', []]);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
    redis.disconnect();
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const found = await runInboxBench({ quick: process.argv.includes('--quick'), log: (line) => console.error(line) });
  console.table(
    found.map((r) => ({
      name: r.name,
      value: r.skipped ? '-' : r.value,
      unit: r.unit,
      p99: r.p99 ?? '',
      target: r.target ?? '',
      note: r.skipped ?? '',
    })),
  );
  process.exit(0);
}
