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
// the cheaper duplicate path); the store is cleared each time the pool starts over.
const pool = signedPool(bytes, 4096).map((d) => ({
  ...d,
  stripeHeader: stripe.webhooks.generateTestHeaderString({ payload: d.body.toString('utf8'), secret: STRIPE_SECRET }),
}));
const store = createMemoryStore({ logger: silent });
const receiver = createWebhookReceiver({
  secret: SECRET,
  idempotency: candidate === 'receive-memory' ? { store } : false,
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
async function loop(count) {
  for (let i = 0; i < count; i++) {
    const d = pool[n % pool.length];
    if (n % pool.length === 0) store.clear();
    n++;
    const result = await run(d);
    if (result?.status !== undefined && result.status !== 200) throw new Error(`status ${result.status}`);
  }
}

await loop(warmup);
await new Promise((resolve) =>
  spawn('callgrind_control', ['--instr=on', String(process.pid)], { stdio: 'ignore' }).on('exit', resolve),
);
// callgrind applies the command at its next poll; give it a moment before the measured calls.
await new Promise((resolve) => setTimeout(resolve, 100));
await loop(calls);
