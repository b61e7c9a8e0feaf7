// One micro-benchmark process. Measures every candidate at every size with mitata, in rounds of
// back-to-back pairs (candidate and its baseline, the order flipped every other round, the pairs
// rotated by the process index), and prints one JSON line per size with every time per call and
// every pair's ratio. The parent (micro.js) runs several of these processes and takes medians.
//
// Run with --expose-gc so that mitata collects garbage before each measurement instead of
// allocating a 1 GiB buffer to force it.
import { createHmac, timingSafeEqual } from 'node:crypto';
import {
  createMemoryStore,
  createVerifier,
  createWebhookReceiver,
  verifyWebhookSignature,
} from '@armalo-webhooks/core';
import { instrument } from '@armalo-webhooks/opentelemetry';
import { verify as octokitVerify } from '@octokit/webhooks-methods';
import { do_not_optimize, measure } from 'mitata';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import Stripe from 'stripe';
import { z } from 'zod';
import { envelopeBody, SECRET, SIZES, sign } from './fixtures.js';
import { createOtelProviders } from './otel-providers.js';

const otel = createOtelProviders();

const options = JSON.parse(process.argv[2] ?? '{}');
const quick = options.quick === true;
const processIndex = options.index ?? 0;
const rounds = options.rounds ?? (quick ? 6 : 10);
// Per measurement: enough samples for a stable median, short enough to interleave many rounds
// (many short interleaved measurements average out load that comes and goes).
const minCpuNs = (options.minCpuMs ?? (quick ? 20 : 40)) * 1e6;
const sizes = options.sizes ? SIZES.filter((s) => options.sizes.includes(s.label)) : SIZES;

// What a hand-rolled receiver validates: the envelope, nothing about `data`.
const handRolledEnvelope = z.object({
  event: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});

const stripe = new Stripe('sk_test_bench', { telemetry: false });
const STRIPE_SECRET = 'whsec_stripe_bench_secret';
const standardSecret = `whsec_${Buffer.from(SECRET).toString('base64')}`;
const standard = new StandardWebhook(standardSecret);

/** Headers as Node hands them to a request listener, not only the two that matter. */
function nodeHeaders(signature, length) {
  return {
    host: '127.0.0.1:3000',
    'user-agent': 'Armalo-Webhooks/1.0',
    'content-type': 'application/json',
    'content-length': String(length),
    'x-armalo-signature': signature,
    'accept-encoding': 'gzip',
    connection: 'keep-alive',
  };
}

/** Bodies for the unique-delivery candidates: fewer at 64 KiB so the pool stays ~32 MiB. */
function poolSize(bytes) {
  return bytes >= 64 * 1024 ? 512 : 4096;
}

function candidatesFor(size) {
  const text = envelopeBody(size.bytes, 0);
  const buffer = Buffer.from(text, 'utf8');
  const signatureHex = sign(text);
  const expected = Buffer.from(signatureHex, 'hex');
  const headers = nodeHeaders(signatureHex, buffer.length);
  const verifier = createVerifier({ secret: SECRET });

  const octokitSignature = `sha256=${signatureHex}`;
  const stripeHeader = stripe.webhooks.generateTestHeaderString({ payload: text, secret: STRIPE_SECRET });
  const standardHeaders = {
    'webhook-id': 'msg_2mKbNLGSVxoAQxUG4Gx3Hq6KOuQ',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': standard.sign('msg_2mKbNLGSVxoAQxUG4Gx3Hq6KOuQ', new Date(), text),
  };

  const noop = () => {};
  const receiverNoIdem = createWebhookReceiver({ secret: SECRET, idempotency: false, logger: silent() });
  receiverNoIdem.on('score.changed', noop);
  const store = createMemoryStore({ logger: silent() });
  // The same receiver with OpenTelemetry on: a real SDK (spans through a processor to an exporter
  // that drops them, metrics into a reader nobody collects): what instrumentation adds.
  const receiverOtel = createWebhookReceiver({ secret: SECRET, idempotency: false, logger: silent() });
  receiverOtel.on('score.changed', noop);
  instrument(receiverOtel, otel);
  const receiverMemory = createWebhookReceiver({ secret: SECRET, idempotency: { store }, logger: silent() });
  receiverMemory.on('score.changed', noop);

  // Unique deliveries: a pool of distinct signed bodies, walked in a cycle; the store is cleared
  // each time the cycle restarts, so every claim is a first claim (never the duplicate shortcut).
  const count = poolSize(size.bytes);
  const pool = Array.from({ length: count }, (_, i) => {
    const body = Buffer.from(envelopeBody(size.bytes, i + 1), 'utf8');
    const signature = sign(body);
    return { body, expected: Buffer.from(signature, 'hex'), headers: nodeHeaders(signature, body.length) };
  });
  let cursorA = 0;
  let cursorB = 0;

  const floor = () => {
    do_not_optimize(timingSafeEqual(createHmac('sha256', SECRET).update(buffer).digest(), expected));
  };
  const floorParseZod = () => {
    if (!timingSafeEqual(createHmac('sha256', SECRET).update(buffer).digest(), expected)) throw new Error('bad');
    do_not_optimize(handRolledEnvelope.parse(JSON.parse(buffer.toString('utf8'))));
  };

  return {
    verify: [
      { name: 'floor: createHmac + timingSafeEqual (header pre-decoded)', id: 'floor', fn: floor },
      {
        name: 'floor + hex decode of the header per call',
        id: 'floor-hex',
        fn: () => {
          do_not_optimize(
            timingSafeEqual(createHmac('sha256', SECRET).update(buffer).digest(), Buffer.from(signatureHex, 'hex')),
          );
        },
      },
      {
        name: 'armalo createVerifier().verify',
        id: 'ours-verify',
        fn: () => {
          do_not_optimize(verifier.verify(buffer, signatureHex));
        },
      },
      {
        name: 'armalo verifyWebhookSignature (async)',
        id: 'ours-verify-fn',
        fn: async () => {
          do_not_optimize(await verifyWebhookSignature(buffer, signatureHex, SECRET));
        },
      },
      {
        name: '@octokit/webhooks-methods verify (async, string body)',
        id: 'octokit',
        fn: async () => {
          do_not_optimize(await octokitVerify(SECRET, text, octokitSignature));
        },
      },
      {
        name: 'stripe webhooks.constructEvent (verify + JSON.parse)',
        id: 'stripe',
        fn: () => {
          do_not_optimize(stripe.webhooks.constructEvent(buffer, stripeHeader, STRIPE_SECRET, 3600));
        },
      },
      {
        name: 'standardwebhooks Webhook.verify (verify + JSON.parse)',
        id: 'standardwebhooks',
        fn: () => {
          do_not_optimize(standard.verify(text, standardHeaders));
        },
      },
    ],
    receive: [
      { name: 'baseline: floor + JSON.parse + zod envelope', id: 'floor-parse-zod', fn: floorParseZod },
      {
        name: 'armalo receive(), idempotency off, no-op handler',
        id: 'receive-noidem',
        fn: async () => {
          const result = await receiverNoIdem.receive({ rawBody: buffer, headers, method: 'POST' });
          if (result.status !== 200) throw new Error(`receive answered ${result.status}`);
          do_not_optimize(result);
        },
      },
      {
        name: 'armalo receive(), idempotency off, OpenTelemetry instrument() on (real SDK, dropping exporter)',
        id: 'receive-noidem-otel',
        fn: async () => {
          const result = await receiverOtel.receive({ rawBody: buffer, headers, method: 'POST' });
          if (result.status !== 200) throw new Error(`receive answered ${result.status}`);
          do_not_optimize(result);
        },
      },
      {
        name: 'baseline on unique bodies: floor + JSON.parse + zod envelope',
        id: 'floor-parse-zod-unique',
        fn: () => {
          const d = pool[cursorA];
          cursorA = (cursorA + 1) % count;
          if (!timingSafeEqual(createHmac('sha256', SECRET).update(d.body).digest(), d.expected))
            throw new Error('bad');
          do_not_optimize(handRolledEnvelope.parse(JSON.parse(d.body.toString('utf8'))));
        },
      },
      {
        name: 'armalo receive(), memory store, unique bodies, no-op handler',
        id: 'receive-memory',
        fn: async () => {
          const d = pool[cursorB];
          cursorB = (cursorB + 1) % count;
          if (cursorB === 0) store.clear();
          const result = await receiverMemory.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
          if (result.status !== 200 || result.body.duplicate) throw new Error(`receive answered ${result.status}`);
          do_not_optimize(result);
        },
      },
      {
        name: 'stripe webhooks.constructEvent (verify + JSON.parse)',
        id: 'stripe',
        fn: () => {
          do_not_optimize(stripe.webhooks.constructEvent(buffer, stripeHeader, STRIPE_SECRET, 3600));
        },
      },
    ],
  };
}

function silent() {
  return { warn() {}, error() {} };
}

/** Time per call, estimated over a few milliseconds, to size mitata's batches. */
async function calibrate(fn, budgetMs) {
  let calls = 0;
  const start = performance.now();
  while (performance.now() - start < budgetMs) {
    const r = fn();
    if (r instanceof Promise) await r;
    calls++;
  }
  return ((performance.now() - start) * 1e6) / calls;
}

/**
 * The ratios reported, as [candidate, baseline]. Each pair is measured back to back (the order
 * flipped every other round), so a ratio compares two measurements taken within a few tens of
 * milliseconds of each other: load that comes and goes on a shared machine hits both sides.
 */
const PAIRS = [
  ['floor-hex', 'floor'],
  ['ours-verify', 'floor'],
  ['ours-verify-fn', 'floor'],
  ['octokit', 'floor'],
  ['stripe', 'floor'],
  ['standardwebhooks', 'floor'],
  ['receive-noidem', 'floor-parse-zod'],
  ['receive-memory', 'floor-parse-zod-unique'],
  ['stripe', 'floor-parse-zod'],
  ['receive-noidem', 'stripe'],
  ['receive-memory', 'stripe'],
  ['receive-noidem-otel', 'receive-noidem'],
];

async function run() {
  for (const size of sizes) {
    const candidates = candidatesFor(size);
    let all = [...candidates.verify, ...candidates.receive.filter((c) => c.id !== 'stripe')];
    if (options.only) all = all.filter((c) => options.only.includes(c.id));
    const byId = Object.fromEntries(all.map((c) => [c.id, c]));
    const pairs = PAIRS.filter(([a, b]) => byId[a] && byId[b]);
    // Warm-up: every candidate runs long enough for the optimizing compiler, then a batch size is
    // chosen so each mitata sample lasts about 0.2 ms (short samples dodge preemption).
    for (const c of all) {
      await calibrate(c.fn, quick ? 30 : 80);
      const ns = await calibrate(c.fn, 10);
      c.batch = Math.max(4, Math.min(4096, 4 * Math.round(200_000 / ns / 4)));
    }
    globalThis.gc?.();
    const time = async (c) =>
      (
        await measure(c.fn, {
          min_cpu_time: minCpuNs,
          batch_samples: c.batch,
          batch_threshold: Number.POSITIVE_INFINITY,
          min_samples: 12,
          // No forced full GC before each measurement: after one, the next few milliseconds of
          // allocation-heavy candidates ran up to 2x slower than the floor's (bimodal timings),
          // which skewed every ratio. One GC per size, after the warm-up, instead.
          gc: false,
        })
      ).p50;
    const times = Object.fromEntries(all.map((c) => [c.id, []]));
    const ratios = Object.fromEntries(pairs.map(([a, b]) => [`${a}/${b}`, []]));
    for (let round = 0; round < rounds; round++) {
      const shift = (processIndex + round) % pairs.length;
      let order = [...pairs.slice(shift), ...pairs.slice(0, shift)];
      if (round % 2 === 1) order = order.reverse();
      for (const [a, b] of order) {
        const first = round % 2 === 0 ? b : a;
        const second = first === a ? b : a;
        const t = { [first]: await time(byId[first]), [second]: await time(byId[second]) };
        times[a].push(t[a]);
        times[b].push(t[b]);
        ratios[`${a}/${b}`].push(t[a] / t[b]);
      }
    }
    const names = Object.fromEntries(all.map((c) => [c.id, c.name]));
    process.stdout.write(`${JSON.stringify({ size: size.label, bytes: size.bytes, names, times, ratios })}\n`);
  }
}

await run();
