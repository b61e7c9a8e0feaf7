// Side-by-side HTTP benchmark: armaloWebhooks() against a hand-rolled express.raw() + HMAC route.
//
//   node bench/src/http-express.js          # 10 connections x 5 s per run, 4 rounds of A B C (order rotated)
//   node bench/src/http-express.js --quick  # 10 connections x 3 s per run, 1 round
//
// About 70 s in all (quick: 12 s), bounded in time and connections, on loopback only.
//
// Each variant is its own child process (one Express 5 app on 127.0.0.1), so the load generator
// never shares an event loop with a server. Runs are interleaved so that noise from other work on
// the machine lands on every variant alike. Every answer must be a 200, or the run is refused.
import { fork } from 'node:child_process';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { load } from './autocannon-load.js';

const SECRET = 'whsec_bench_secret';
const PATH = '/webhooks/armalo';
const self = fileURLToPath(import.meta.url);

const VARIANTS = {
  'hand-rolled': 'express.raw() + createHmac + timingSafeEqual + JSON.parse',
  armaloWebhooks: 'armaloWebhooks(receiver), idempotency off: every request runs the handler',
  'armaloWebhooks+dedup': 'armaloWebhooks(receiver), default in-memory idempotency: repeats answer duplicate',
};

/** The delivery every request sends: the documented score.changed sample, signed. */
function signedDelivery() {
  const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
  return { body, headers };
}

/** How many deliveries reached a handler in this process (checked after the run). */
let handled = 0;

async function createApp(variant) {
  const { default: express } = await import('express');
  const app = express();
  if (variant === 'hand-rolled') {
    // A KeyObject: on Node 24.21 createHmac with a Buffer key throws and catches twice inside.
    const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
    app.post(PATH, express.raw({ type: 'application/json', limit: '1mb' }), (req, res) => {
      const given = Buffer.from(String(req.get('x-armalo-signature') ?? ''), 'hex');
      const expected = createHmac('sha256', key).update(req.body).digest();
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
        res.status(401).json({ error: 'Invalid signature' });
        return;
      }
      const event = JSON.parse(req.body.toString('utf8'));
      if (event.event === 'score.changed') handled++;
      res.json({ ok: true });
    });
  } else {
    const { createWebhookReceiver } = await import('@armalo-webhooks/core');
    const { armaloWebhooks } = await import('@armalo-webhooks/express');
    const webhooks = createWebhookReceiver({
      secret: SECRET,
      ...(variant === 'armaloWebhooks' ? { idempotency: false } : {}),
    });
    webhooks.on('score.changed', () => {
      handled++;
    });
    app.post(PATH, armaloWebhooks(webhooks));
  }
  return app;
}

/** Child mode: serve one variant and report the port to the parent. */
async function serve(variant) {
  const app = await createApp(variant);
  const server = app.listen(0, '127.0.0.1', () => process.send?.({ port: server.address().port }));
  process.on('message', (message) => {
    if (message === 'handled') process.send?.({ handled });
    if (message === 'cpu') {
      const { user, system } = process.cpuUsage();
      process.send?.({ cpuUs: user + system });
    }
  });
  process.on('disconnect', () => server.close(() => process.exit(0)));
}

async function startServer(variant) {
  const child = fork(self, ['--serve', variant], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = await once(child, 'message');
  return { child, url: `http://127.0.0.1:${message.port}${PATH}` };
}

/** CPU time the server process has used so far, in microseconds. */
async function cpuOf(child) {
  child.send('cpu');
  const [message] = await once(child, 'message');
  return message.cpuUs;
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

/**
 * Runs the comparison: `rounds` rounds, each running every variant once for `seconds`, the order
 * rotated from round to round so that no variant always follows the same one. Returns every run,
 * and per variant the mean req/s, the ratio of means to the hand-rolled route, the median of the
 * per-round ratios (each variant against the hand-rolled run of the same round), and server CPU
 * time per request with the ratio it implies.
 */
export async function runExpressBench({
  quick = false,
  seconds = quick ? 3 : 5,
  rounds = quick ? 1 : 4,
  connections = 10,
  log = console.log,
} = {}) {
  const delivery = signedDelivery();
  const names = Object.keys(VARIANTS);
  const servers = {};
  for (const name of names) servers[name] = await startServer(name);
  try {
    for (const name of names) {
      const check = await fetch(servers[name].url, { method: 'POST', headers: delivery.headers, body: delivery.body });
      const text = await check.text();
      if (check.status !== 200) throw new Error(`${name} answered ${check.status} ${text}`);
      await load(servers[name].url, delivery, 1, connections); // warm-up, not recorded
    }
    const runs = [];
    for (let round = 1; round <= rounds; round++) {
      const order = names.map((_, i) => names[(i + round - 1) % names.length]);
      for (const name of order) {
        const cpuBefore = await cpuOf(servers[name].child);
        const run = await load(servers[name].url, delivery, seconds, connections);
        // Server CPU per request: far less sensitive than req/s to other work on a shared machine.
        const cpuPerRequestUs = ((await cpuOf(servers[name].child)) - cpuBefore) / run.requests;
        runs.push({ round, variant: name, ...run, cpuPerRequestUs });
        log(
          `round ${round} ${name.padEnd(22)} ${run.rps.toFixed(0).padStart(7)} req/s  ` +
            `server CPU ${cpuPerRequestUs.toFixed(1).padStart(6)} µs/req  p50 ${run.p50} ms  p99 ${run.p99} ms`,
        );
      }
    }
    const handledBy = {};
    for (const name of names) {
      servers[name].child.send('handled');
      const [message] = await once(servers[name].child, 'message');
      handledBy[name] = message.handled;
    }
    const of = (name) => runs.filter((r) => r.variant === name);
    const avg = (values) => values.reduce((sum, v) => sum + v, 0) / values.length;
    const baseline = of('hand-rolled');
    const summary = {};
    for (const name of names) {
      const own = of(name);
      const rps = avg(own.map((r) => r.rps));
      const cpu = avg(own.map((r) => r.cpuPerRequestUs));
      summary[name] = {
        rps,
        ratio: rps / avg(baseline.map((r) => r.rps)),
        medianRoundRatio: median(own.map((r, i) => r.rps / baseline[i].rps)),
        cpuPerRequestUs: cpu,
        // The throughput the CPU cost alone allows, relative to the baseline: baseline µs / variant µs.
        cpuRatio: avg(baseline.map((r) => r.cpuPerRequestUs)) / cpu,
        handled: handledBy[name],
      };
    }
    log(`\n${connections} connections x ${seconds} s per run, ${rounds} round(s), interleaved, order rotated`);
    for (const name of names) {
      const s = summary[name];
      log(
        `${name.padEnd(22)} ${s.rps.toFixed(0).padStart(6)} req/s  ratio ${s.ratio.toFixed(3)}x  ` +
          `median round ratio ${s.medianRoundRatio.toFixed(3)}x  CPU ${s.cpuPerRequestUs.toFixed(1)} µs/req  ` +
          `CPU ratio ${s.cpuRatio.toFixed(3)}x  handlers run ${s.handled}`,
      );
    }
    for (const name of names) log(`  ${name}: ${VARIANTS[name]}`);
    return { connections, seconds, rounds, runs, summary };
  } finally {
    for (const { child } of Object.values(servers)) child.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt !== -1) await serve(process.argv[serveAt + 1]);
  else await runExpressBench({ quick: process.argv.includes('--quick') });
}
