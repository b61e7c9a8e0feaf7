// Memory store footprint, in a child started with --expose-gc. Prints one JSON line per test.
//
// 1. capacity: 1M unique deliveries completed in a store whose cap holds them all, driven through
//    claim/complete directly with realistic keys (64 lower-case hex digits, what receive() derives
//    from the body). Heap is measured after a full GC before and after; the difference is what the
//    store retains: the key strings, the Map's table and the expiry numbers.
// 2. receive: the same through receive() on a smaller count, to show what the pipeline retains per
//    delivery on top of the store (the key string is the same one; nothing else should stay).
// 3. flat: sustained unique load with the default cap (100,000): heap sampled as claims go on, and
//    the time per claim + complete, which must not grow once the store is full.
import { createHash } from 'node:crypto';
import { createMemoryStore, createWebhookReceiver } from '@armalo-webhooks/core';
import { envelopeBody, SECRET, sign } from './fixtures.js';

const options = JSON.parse(process.argv[2] ?? '{}');
const quick = options.quick === true;
const RETAIN_MS = 7 * 24 * 3600_000;
const LEASE_MS = 60_000;

if (typeof globalThis.gc !== 'function') throw new Error('run with --expose-gc');

function heapAfterGc() {
  for (let i = 0; i < 3; i++) globalThis.gc();
  return process.memoryUsage().heapUsed;
}

const key = (i) => createHash('sha256').update(`delivery-${i}`).digest('hex');
const emit = (result) => process.stdout.write(`${JSON.stringify(result)}\n`);

async function capacity(count) {
  const store = createMemoryStore({ maxEntries: count, onCapacity: () => {} });
  const before = heapAfterGc();
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    const k = key(i);
    const claim = await store.claim(k, LEASE_MS);
    if (claim.status !== 'claimed') throw new Error(`claim ${i}: ${claim.status}`);
    await store.complete(k, claim.token, RETAIN_MS);
  }
  const elapsed = performance.now() - start;
  const after = heapAfterGc();
  if (store.size !== count) throw new Error(`store holds ${store.size}, expected ${count}`);
  emit({
    test: 'capacity',
    count,
    bytes: after - before,
    bytesPerKey: (after - before) / count,
    nsPerDelivery: (elapsed * 1e6) / count,
  });
  return store;
}

async function throughReceive(count) {
  // The same count driven directly first (kept alive), so the two figures share a Map size class;
  // the direct store warms up the store's code the same way.
  const direct = createMemoryStore({ maxEntries: count, onCapacity: () => {} });
  const start = heapAfterGc();
  for (let i = 0; i < count; i++) {
    const k = key(2e9 + i);
    const claim = await direct.claim(k, LEASE_MS);
    await direct.complete(k, claim.token, RETAIN_MS);
  }
  const directBytes = heapAfterGc() - start;
  const timestamp = new Date().toISOString();
  const deliver = async (receiver, i) => {
    const body = envelopeBody(300, i + 1, timestamp);
    const result = await receiver.receive({
      rawBody: Buffer.from(body),
      headers: { 'content-type': 'application/json', 'x-armalo-signature': sign(body) },
      method: 'POST',
    });
    if (result.status !== 200 || result.body.duplicate) throw new Error(`receive ${i}: ${result.status}`);
  };
  // Warm-up on a receiver of its own, so compiled code and lazily built state are not counted.
  const warm = createWebhookReceiver({ secret: SECRET, logger: console });
  warm.on('score.changed', () => {});
  for (let i = 0; i < 5000; i++) await deliver(warm, 5e8 + i);
  const store = createMemoryStore({ maxEntries: count, onCapacity: () => {} });
  const receiver = createWebhookReceiver({ secret: SECRET, idempotency: { store }, logger: console });
  receiver.on('score.changed', () => {});
  const before = heapAfterGc();
  for (let i = 0; i < count; i++) {
    await deliver(receiver, i);
  }
  const after = heapAfterGc();
  if (store.size !== count) throw new Error(`store holds ${store.size}, expected ${count}`);
  if (direct.size !== count) throw new Error('direct store lost keys');
  emit({
    test: 'receive',
    count,
    bytes: after - before,
    bytesPerKey: (after - before) / count,
    directBytesPerKey: directBytes / count,
  });
}

async function flat(total, every) {
  const store = createMemoryStore({ onCapacity: () => {} });
  const samples = [];
  let last = performance.now();
  for (let i = 0; i < total; i++) {
    const k = key(1e9 + i);
    const claim = await store.claim(k, LEASE_MS);
    if (claim.status !== 'claimed') throw new Error(`claim ${i}: ${claim.status}`);
    await store.complete(k, claim.token, RETAIN_MS);
    if ((i + 1) % every === 0) {
      const now = performance.now();
      const nsPerDelivery = ((now - last) * 1e6) / every;
      samples.push({ claims: i + 1, heap: heapAfterGc(), size: store.size, nsPerDelivery });
      last = performance.now();
    }
  }
  emit({ test: 'flat', total, samples });
}

const tests = options.tests ?? ['capacity', 'receive', 'flat'];
if (tests.includes('capacity')) await capacity(options.count ?? 1_000_000);
if (tests.includes('receive')) await throughReceive(quick ? 20_000 : 100_000);
if (tests.includes('flat')) await flat(quick ? 600_000 : 3_000_000, quick ? 50_000 : 100_000);
