// Added latency per delivery from each idempotency store, on loopback.
//
//   node bench/src/stores.js           # 5,000 timed deliveries per measurement
//   node bench/src/stores.js --quick   # 1,000
//
// Three measurements per store, all sequential (one delivery at a time, so they are latencies,
// not throughput):
//   - 'claim+complete': the store's own round trips for one successful delivery, timed directly.
//   - 'receive() added': receive() with the store minus receive() with idempotency off, on the
//     same signed bodies, interleaved delivery by delivery so machine noise hits both alike.
//     p50 and p99 are each the difference of the two runs' percentiles.
//   - 'freshness added': the same, receive() with the store and the `freshness` option (score
//     deliveries for 200 agents, each newer than the last: every one checks and advances a
//     watermark) minus receive() with the store alone.
// Redis: REDIS_URL (default redis://127.0.0.1:6379). PostgreSQL: DATABASE_URL (default
// postgres://postgres@127.0.0.1:5432/test). A server that cannot be reached gives skipped rows.
// Data is isolated (random key prefix, random table) and removed afterwards.
import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createMemoryStore, createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createPostgresStore } from '@armalo-webhooks/postgres';
import { createRedisStore } from '@armalo-webhooks/redis';
import { Redis } from 'ioredis';
import pg from 'pg';

const GROUP = 'stores';
const SECRET = 'whsec_store_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TARGETS = { redis: '<= 0.3', postgres: '<= 1' };
/** What the freshness guard may add per delivery, on top of the store (issue 23). */
const FRESHNESS_TARGETS = { redis: '<= 0.05', postgres: '<= 0.2' };
const AGENTS = 200;
const LEASE_MS = 60_000;
const RETAIN_MS = 10 * 60_000;

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
const now = () => process.hrtime.bigint();
const ms = (from, to) => Number(to - from) / 1e6;

function summarize(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

function row(name, { p50, p99 }, extra) {
  return { group: GROUP, name, value: round(p50), unit: 'ms', better: 'lower', p99: round(p99), ...extra };
}

const round = (value) => Math.round(value * 10_000) / 10_000;

/** claim + complete for `count` fresh keys, after `warmup` untimed ones. */
async function timeClaimComplete(store, count, warmup) {
  const run = randomBytes(4).toString('hex');
  const samples = [];
  for (let i = 0; i < warmup + count; i++) {
    const key = `bench:${run}:${i}`;
    const started = now();
    const claim = await store.claim(key, LEASE_MS);
    if (claim.status !== 'claimed') throw new Error(`expected a claim for a fresh key, got ${claim.status}`);
    await store.complete(key, claim.token, RETAIN_MS);
    if (i >= warmup) samples.push(ms(started, now()));
  }
  return summarize(samples);
}

/** receive() with the store minus receive() without idempotency, interleaved on the same bodies. */
async function timeReceiveAdded(store, count, warmup) {
  const plain = createWebhookReceiver({ secret: SECRET, idempotency: false });
  const deduped = createWebhookReceiver({ secret: SECRET, idempotency: { store, leaseMs: LEASE_MS } });
  for (const receiver of [plain, deduped]) receiver.on('score.changed', () => {});
  const data = sampleData('score.changed');
  const run = randomBytes(4).toString('hex');
  const deliveries = Array.from({ length: warmup + count }, (_, i) =>
    createSignedDelivery('score.changed', { ...data, benchRun: run, i }, { secret: SECRET }),
  );
  const without = [];
  const withStore = [];
  for (let i = 0; i < deliveries.length; i++) {
    const { body, headers } = deliveries[i];
    // Alternate which goes first, so neither always runs on a warmer cache.
    const order = i % 2 === 0 ? [plain, deduped] : [deduped, plain];
    for (const receiver of order) {
      const started = now();
      const result = await receiver.receive({ rawBody: body, headers, method: 'POST' });
      const took = ms(started, now());
      if (result.status !== 200 || result.body.duplicate) {
        throw new Error(`receive() answered ${result.status} ${JSON.stringify(result.body)}`);
      }
      if (i >= warmup) (receiver === plain ? without : withStore).push(took);
    }
  }
  const a = summarize(without);
  const b = summarize(withStore);
  return { p50: b.p50 - a.p50, p99: b.p99 - a.p99, baseline: a };
}

/**
 * receive() with the store and `freshness` minus receive() with the store alone, interleaved on the
 * same bodies (each receiver has its own key scope, so neither sees the other's as a duplicate).
 */
async function timeFreshnessAdded(store, count, warmup) {
  const run = randomBytes(4).toString('hex');
  const idempotency = (scope) => ({ store, leaseMs: LEASE_MS, scope: `${scope}-${run}` });
  const keyOf = (event) => `agent-score:${event.data.agentId}`;
  const plain = createWebhookReceiver({ secret: SECRET, idempotency: idempotency('plain') });
  const guarded = createWebhookReceiver({
    secret: SECRET,
    idempotency: idempotency('guarded'),
    freshness: { 'score.changed': keyOf },
  });
  for (const receiver of [plain, guarded]) receiver.on('score.changed', () => {});
  const data = sampleData('score.changed');
  const base = Date.now() - 3_600_000;
  const deliveries = Array.from({ length: warmup + count }, (_, i) =>
    createSignedDelivery(
      'score.changed',
      { ...data, agentId: `agent-${run}-${i % AGENTS}` },
      { secret: SECRET, timestamp: new Date(base + i) },
    ),
  );
  const without = [];
  const withGuard = [];
  for (let i = 0; i < deliveries.length; i++) {
    const { body, headers } = deliveries[i];
    const order = i % 2 === 0 ? [plain, guarded] : [guarded, plain];
    for (const receiver of order) {
      const started = now();
      const result = await receiver.receive({ rawBody: body, headers, method: 'POST' });
      const took = ms(started, now());
      if (result.status !== 200 || result.body.duplicate || result.body.stale) {
        throw new Error(`receive() answered ${result.status} ${JSON.stringify(result.body)}`);
      }
      if (i >= warmup) (receiver === plain ? without : withGuard).push(took);
    }
  }
  const a = summarize(without);
  const b = summarize(withGuard);
  return { p50: b.p50 - a.p50, p99: b.p99 - a.p99, baseline: a };
}

async function measure(label, store, count, warmup, extra, freshnessExtra = {}) {
  const direct = await timeClaimComplete(store, count, warmup);
  const added = await timeReceiveAdded(store, count, warmup);
  const fresh = await timeFreshnessAdded(store, count, warmup);
  const note = `${count} sequential deliveries on loopback`;
  return [
    row(`${label} freshness added`, fresh, {
      ...freshnessExtra,
      note: `${note}, ${AGENTS} agents; receive() with the store alone: p50 ${round(fresh.baseline.p50)} ms, p99 ${round(fresh.baseline.p99)} ms`,
    }),
    row(`${label} claim+complete`, direct, { ...extra, note }),
    row(`${label} receive() added`, added, {
      ...extra,
      note: `${note}; receive() with idempotency off: p50 ${round(added.baseline.p50)} ms, p99 ${round(added.baseline.p99)} ms`,
    }),
  ];
}

function skippedRows(label, reason, extra) {
  return ['claim+complete', 'receive() added', 'freshness added'].map((what) => ({
    group: GROUP,
    name: `${label} ${what}`,
    value: Number.NaN,
    unit: 'ms',
    skipped: reason,
    ...extra,
  }));
}

const target = (name) => ({ target: TARGETS[name], targetOn: 'value' });
const freshnessTarget = (name) => ({ target: FRESHNESS_TARGETS[name], targetOn: 'value' });

async function redisRows(count, warmup) {
  const prefix = `armalo-bench:${randomBytes(6).toString('hex')}:`;
  const rows = [];
  const io = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null });
  io.on('error', () => {});
  try {
    await io.connect();
  } catch (error) {
    return skippedRows('redis (ioredis)', `Redis not reachable at ${REDIS_URL}: ${error.message}`, target('redis'));
  }
  try {
    rows.push(
      ...(await measure(
        'redis (ioredis)',
        createRedisStore({ client: io, keyPrefix: `${prefix}io:` }),
        count,
        warmup,
        target('redis'),
        freshnessTarget('redis'),
      )),
    );
    const createClient = await loadNodeRedis();
    if (createClient === undefined) {
      rows.push(...skippedRows('redis (node-redis)', "the 'redis' package is not installed", target('redis')));
    } else {
      const client = createClient({ url: REDIS_URL });
      const store = createRedisStore({ client, keyPrefix: `${prefix}node:` });
      await client.connect();
      try {
        rows.push(
          ...(await measure('redis (node-redis)', store, count, warmup, target('redis'), freshnessTarget('redis'))),
        );
      } finally {
        await client.close();
      }
    }
  } finally {
    let cursor = '0';
    do {
      const [next, keys] = await io.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) await io.del(...keys);
    } while (cursor !== '0');
    io.disconnect();
  }
  return rows;
}

/** node-redis is not a bench dependency; use the copy the Redis store package is tested with, if present. */
async function loadNodeRedis() {
  for (const from of [import.meta.url, new URL('../../packages/redis/package.json', import.meta.url).href]) {
    try {
      const resolved = createRequire(from).resolve('redis');
      return (await import(pathToFileURL(resolved).href)).createClient;
    } catch {}
  }
  return undefined;
}

async function postgresRows(count, warmup) {
  const table = `armalo_bench_${randomBytes(6).toString('hex')}`;
  const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4, connectionTimeoutMillis: 3_000 });
  pool.on('error', () => {});
  try {
    await pool.query('SELECT 1');
  } catch (error) {
    await pool.end();
    return [
      ...skippedRows('postgres', `PostgreSQL not reachable: ${error.message}`, target('postgres')),
      ...skippedRows('postgres (synchronousCommit: false)', `PostgreSQL not reachable: ${error.message}`),
    ];
  }
  try {
    const durable = createPostgresStore({ pool, table, onPoolError: false });
    await durable.migrate();
    const fast = createPostgresStore({ pool, table, synchronousCommit: false, onPoolError: false });
    return [
      ...(await measure('postgres', durable, count, warmup, target('postgres'), freshnessTarget('postgres'))),
      ...(await measure('postgres (synchronousCommit: false)', fast, count, warmup, {}, freshnessTarget('postgres'))),
    ];
  } finally {
    await pool.query(`DROP TABLE IF EXISTS "${table}", "${table}_watermarks"`);
    await pool.end();
  }
}

/**
 * The store section of `pnpm bench`: memory, Redis (ioredis, and node-redis when installed) and
 * PostgreSQL (default, and with `synchronousCommit: false`). Returns rows in the bench row shape.
 *
 * @example
 * ```js
 * import { runStoreBench } from './stores.js';
 * console.table(await runStoreBench({ quick: true }));
 * ```
 */
export async function runStoreBench({ quick = false } = {}) {
  const count = quick ? 1_000 : 5_000;
  const warmup = quick ? 200 : 500;
  return [
    ...(await measure('memory', createMemoryStore(), count, warmup, {})),
    ...(await redisRows(count, warmup)),
    ...(await postgresRows(count, warmup)),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const rows = await runStoreBench({ quick: process.argv.includes('--quick') });
  console.table(
    rows.map((r) => ({
      name: r.name,
      'p50 ms': r.skipped ? '-' : r.value,
      'p99 ms': r.skipped ? '-' : r.p99,
      target: r.target ?? '',
      met: r.skipped || r.target === undefined ? '' : r.value <= Number(r.target.replace(/[^0-9.]/g, '')),
      note: r.skipped ?? r.note,
    })),
  );
}
