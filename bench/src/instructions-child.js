// One candidate of the instruction-count benchmark, run under callgrind by instructions.js:
//   valgrind --tool=callgrind --instr-atstart=no node src/instructions-child.js <candidate> <bytes> <warmup> <calls>
// Warms up with <warmup> calls, switches instrumentation on (callgrind_control), then makes <calls>
// more, so the count covers warmed-up code only.
import { spawn } from 'node:child_process';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { createMemoryStore, createWebhookReceiver } from '@armalo-webhooks/core';
import { instrument } from '@armalo-webhooks/opentelemetry';
import Stripe from 'stripe';
import { SECRET, signedPool } from './fixtures.js';
import { createOtelProviders } from './otel-providers.js';

const [candidate, bytesArg, warmupArg, callsArg] = process.argv.slice(2);
const bytes = Number(bytesArg);
const warmup = Number(warmupArg);
const calls = Number(callsArg);
const STRIPE_SECRET = 'whsec_stripe_bench_secret';
const stripe = new Stripe('sk_test_bench', { telemetry: false });
// A KeyObject, as core uses: on Node 24.21 createHmac with a Buffer key throws and catches twice
// inside (docs/benchmarks.md), which would inflate the floor.
const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
const silent = { warn() {}, error() {} };

// Distinct bodies, so that the memory store claims a new key on every call (a repeat would take
// the cheaper duplicate path); the store is cleared each time the pool starts over. The freshness
// pair runs on score deliveries for 200 agents, each newer than the last (as in stores.js), so a
// guarded delivery checks and advances its agent's watermark; the pair's plain half gets the same bodies.
const PAIR = candidate === 'pair-memory' || candidate === 'pair-memory-fresh';
// The pair's pool holds every call, so the store is cleared once, before the warm-up: clearing
// mid-run sent V8 back to optimizing (a fifth of the count was the compiler).
const pool = signedPool(bytes, PAIR ? warmup + calls : 4096, PAIR ? { agents: 200 } : {}).map((d) => ({
  ...d,
  stripeHeader: stripe.webhooks.generateTestHeaderString({ payload: d.body.toString('utf8'), secret: STRIPE_SECRET }),
}));
const store = createMemoryStore({ logger: silent });
const receiver = createWebhookReceiver({
  secret: SECRET,
  idempotency: candidate === 'receive-memory' || PAIR ? { store } : false,
  ...(candidate === 'pair-memory-fresh'
    ? { freshness: { 'score.changed': (e) => `agent-score:${e.data.agentId}` } }
    : {}),
  logger: silent,
}).on('score.changed', () => {});

// OpenTelemetry (a real SDK; spans to an exporter that drops them, metrics to a reader nobody
// collects). The floor is what any instrumentation must do with that SDK per delivery: one span
// started and ended, one histogram record, around the same receive().
const otel = createOtelProviders();
if (candidate === 'receive-otel') instrument(receiver, otel);
const tracer = otel.tracerProvider.getTracer('bench');
const histogram = otel.meterProvider.getMeter('bench').createHistogram('bench.duration', { unit: 'ms' });

const CANDIDATES = {
  // What any careful receiver must do: verify in constant time, then parse.
  floor: (d) => {
    const digest = createHmac('sha256', key).update(d.body).digest();
    if (!timingSafeEqual(digest, Buffer.from(d.signature, 'hex'))) throw new Error('bad signature');
    return JSON.parse(d.body.toString('utf8'));
  },
  stripe: (d) => stripe.webhooks.constructEvent(d.body, d.stripeHeader, STRIPE_SECRET, 3600),
  'receive-noidem': (d) => receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' }),
  'receive-memory': (d) => receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' }),
  'pair-memory': (d) => receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' }),
  'pair-memory-fresh': (d) => receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' }),
  'receive-otel': (d) => receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' }),
  'receive-otel-floor': async (d) => {
    const start = performance.now();
    const span = tracer.startSpan('webhook receive');
    const result = await receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
    span.end();
    histogram.record(performance.now() - start, { 'http.response.status_code': result.status });
    return result;
  },
};
const run = CANDIDATES[candidate];
if (!run) throw new Error(`unknown candidate ${candidate}`);

let n = 0;
async function loop(count, check) {
  for (let i = 0; i < count; i++) {
    const d = pool[n % pool.length];
    if (n % pool.length === 0) store.clear();
    n++;
    const result = await run(d);
    if (result?.status !== undefined && result.status !== 200) throw new Error(`status ${result.status}`);
    // Checked while warming up only, so the count is the delivery's alone.
    if (check && candidate === 'pair-memory-fresh' && result.meta.freshness?.advanced !== true) {
      throw new Error(`expected an advancing delivery, got ${JSON.stringify(result.meta.freshness)}`);
    }
  }
}

await loop(warmup, true);
await new Promise((resolve) =>
  spawn('callgrind_control', ['--instr=on', String(process.pid)], { stdio: 'ignore' }).on('exit', resolve),
);
// callgrind applies the command at its next poll; give it a moment before the measured calls.
await new Promise((resolve) => setTimeout(resolve, 100));
await loop(calls, false);
