// The durable inbox: what it adds to each acknowledged delivery, and what one worker process does,
// for pg-boss 12 on a PostgreSQL server, pg-boss 12 on PGlite (embedded) and BullMQ, side by side.
//
//   node bench/src/inbox.js           # 3,000 timed deliveries, 3,000 jobs per throughput run
//   node bench/src/inbox.js --quick   # 500 and 500
//
// - 'ack added': receive() with the inbox (store, then answer queued) minus receive() inline with a
//   no-op handler and idempotency off, on the same kind of signed bodies, interleaved delivery by
//   delivery so machine noise hits both alike. Sequential: a latency, not a throughput.
// - 'worker cN': one createInboxWorker at concurrency N, a no-op handler, draining a queue filled
//   beforehand; deliveries per second from start to the last handler call. 'worker c8 ctx.pg': the
//   same, with a handler that writes one row through ctx.pg (exactly once, in the job's transaction).
//   'worker c8 freshness': 'worker c8' with the receiver option `freshness` on every delivery (each
//   its own key, so nothing waits for another job of its key: the guard's own cost, a watermark read
//   before and a raise after the handlers). 'worker c8' and 'worker c8 freshness' are the medians of
//   three runs each, interleaved (off, on, off, on, ...).
// - 'worker c8 orderBy K keys': the same worker at concurrency 8 on an inbox with per-key ordering
//   (orderBy: each delivery's key is one of K), for K = 1, 10 and 1,000; against 'worker c8' (no
//   orderBy). One key runs one delivery at a time whatever the concurrency; many keys let c8 work.
// - PGlite 'first start' and 'restart': createPgBossInbox({ pglite: dir }) until ready() resolves, on
//   a new directory (PGlite creates the database, pg-boss its schema) and on that directory again.
// PostgreSQL: DATABASE_URL; Redis: REDIS_URL. An unreachable server gives skipped rows. Each run
// uses its own schema, queue, directory and key prefix, and removes them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createInboxWorker, createMemoryInbox, createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createPgBossInbox, openPglite } from '@armalo-webhooks/pg-boss';
import { Redis } from 'ioredis';
import pg from 'pg';

const GROUP = 'inbox';
const SECRET = 'whsec_inbox_bench';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TARGETS = { 'pg-boss': '<= 1', 'pg-boss (PGlite)': '<= 2', bullmq: '<= 0.5' };
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

/**
 * Fills the inbox with `count` deliveries, then times one worker draining them. With `effects`,
 * each handler writes one row through ctx.pg into that table.
 */
async function workerRate(inbox, count, concurrency, effects, freshness = false) {
  const webhooks = createWebhookReceiver({
    secret: SECRET,
    inbox,
    logger: quiet,
    ...(freshness ? { freshness: { 'score.changed': (event) => `agent:${event.data.n}` } } : {}),
  });
  let handled = 0;
  let resolveDone;
  const done = new Promise((resolve) => {
    resolveDone = resolve;
  });
  webhooks.onAny(async (_event, ctx) => {
    if (effects) await ctx.pg.query(`INSERT INTO ${effects} (delivery_id) VALUES ($1)`, [ctx.deliveryId]);
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

function rows(label, added, rates, note, extra = []) {
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
    ...rates.map(([name, rate]) => ({
      group: GROUP,
      name: `${label} worker ${name}`,
      value: Math.round(rate),
      unit: 'deliveries/s',
      better: 'higher',
      note,
    })),
    ...extra,
  ];
}

function skipped(label, reason, ordered = true) {
  const orderedRows = ordered ? ORDER_KEYS.map((keys) => `worker c8 orderBy ${keys} key${keys === 1 ? '' : 's'}`) : [];
  return ['ack added', 'worker c1', 'worker c8', 'worker c8 freshness', 'worker c8 ctx.pg', ...orderedRows].map(
    (what) => ({
      group: GROUP,
      name: `${label} ${what}`,
      value: Number.NaN,
      skipped: reason,
    }),
  );
}

/** Distinct keys in the ordered worker runs. */
const ORDER_KEYS = [1, 10, 1_000];

/** An orderBy that spreads deliveries over `keys` keys, by their sequence number. */
const orderByKeys = (keys) => (event) => `k${event.data.n % keys}`;

/**
 * `open(options)` answers `{ inbox, close, effects? }`; `effects` names a table for the ctx.pg run;
 * `options.orderBy` asks for an inbox with per-key ordering (`ordered`: the engine has it).
 */
async function measure(label, open, sizes, note, extra = [], ordered = true) {
  const added = await (async () => {
    const { inbox, close } = await open();
    try {
      return await ackAdded(inbox, sizes.count, sizes.warmup);
    } finally {
      await close();
    }
  })();
  const rate = async (concurrency, withEffects, freshness) => {
    const { inbox, close, effects } = await open();
    try {
      if (withEffects && effects === undefined) return undefined;
      return await workerRate(inbox, sizes.jobs, concurrency, withEffects ? effects : undefined, freshness);
    } finally {
      await close();
    }
  };
  const rates = [['c1', await rate(1, false, false)]];
  // Freshness on against off: interleaved runs, the median of each, so that machine noise hits both alike.
  const off = [];
  const on = [];
  for (let round = 0; round < 3; round++) {
    off.push(await rate(8, false, false));
    on.push(await rate(8, false, true));
  }
  const median = (values) => values.sort((a, b) => a - b)[1];
  rates.push(['c8', median(off)], ['c8 freshness', median(on)]);
  const withEffects = await rate(8, true, false);
  if (withEffects !== undefined) rates.push(['c8 ctx.pg', withEffects]);
  for (const keys of ordered ? ORDER_KEYS : []) {
    const { inbox, close } = await open({ orderBy: orderByKeys(keys) });
    try {
      rates.push([`c8 orderBy ${keys} key${keys === 1 ? '' : 's'}`, await workerRate(inbox, sizes.jobs, 8)]);
    } finally {
      await close();
    }
  }
  return rows(label, added, rates, note, extra);
}

/**
 * The floor under every durable acknowledgement on this server: one INSERT committed on its own
 * (a WAL flush), sequentially, p50. The server is shared, so its commits move with other load;
 * the row says what they cost during this run.
 */
async function commitFloor(client, table, count) {
  const times = [];
  for (let i = 0; i < count; i++) {
    const start = now();
    await client.query(`INSERT INTO ${table} (delivery_id) VALUES ($1)`, [suffix()]);
    times.push(ms(start, now()));
  }
  await client.query(`TRUNCATE ${table}`);
  times.sort((a, b) => a - b);
  return {
    group: GROUP,
    name: 'PostgreSQL commit (one INSERT)',
    value: round(percentile(times, 50)),
    unit: 'ms',
    better: 'lower',
    p99: round(percentile(times, 99)),
    note: 'the floor of a durable acknowledgement on this server during this run: one INSERT, autocommit (a WAL flush), p50',
  };
}

/** PGlite: how long ready() takes on a new directory, then (median of three) on the same one again. */
async function pgliteStarts(dir) {
  const timeReady = async () => {
    const start = now();
    const inbox = createPgBossInbox({ pglite: dir }, { queue: 'bench-start', onError: false });
    await inbox.ready();
    const took = ms(start, now());
    await inbox.close();
    return took;
  };
  const first = await timeReady();
  const again = [await timeReady(), await timeReady(), await timeReady()].sort((a, b) => a - b);
  return [
    {
      group: GROUP,
      name: 'pg-boss (PGlite) first start',
      value: Math.round(first),
      unit: 'ms',
      better: 'lower',
      note: 'a new directory: PGlite creates the database (initdb), pg-boss installs its schema, the queues are created',
    },
    {
      group: GROUP,
      name: 'pg-boss (PGlite) restart',
      value: Math.round(again[1]),
      unit: 'ms',
      better: 'lower',
      note: 'the same directory again (median of 3): PGlite loads and recovers the database, pg-boss checks its schema',
    },
  ];
}

export async function runInboxBench({ quick = false, log = () => {} } = {}) {
  const sizes = quick ? { count: 500, warmup: 100, jobs: 500 } : { count: 3_000, warmup: 300, jobs: 3_000 };
  const out = [];

  log('inbox: memory');
  out.push(
    ...(await measure(
      'memory',
      async (options = {}) => {
        const inbox = createMemoryInbox(options);
        return { inbox, close: () => inbox.close() };
      },
      sizes,
      'in-process: bound by the handler dispatch and the event loop only',
    )),
  );

  log('inbox: pg-boss (PostgreSQL server)');
  const admin = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  admin.on('error', () => {});
  const schema = `armalo_inbox_bench_${suffix()}`;
  try {
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.query(`CREATE TABLE ${schema}.effects (delivery_id text NOT NULL)`);
    out.push(await commitFloor(admin, `${schema}.effects`, sizes.count));
    out.push(
      ...(await measure(
        'pg-boss',
        async (options = {}) => {
          const inbox = createPgBossInbox(
            { connectionString: DATABASE_URL, max: 12 },
            {
              schema,
              queue: `bench-${suffix()}`,
              pollIntervalMs: 50,
              freshnessTable: `${schema}.freshness`,
              ...options,
            },
          );
          await inbox.ready();
          return { inbox, close: () => inbox.close(), effects: `${schema}.effects` };
        },
        sizes,
        'per delivery: one fetch statement for up to c jobs (UPDATE … SKIP LOCKED), then one complete() (an autocommit, so a WAL flush); with ctx.pg: BEGIN, the write, complete(), COMMIT on one pooled connection. Bound by PostgreSQL round trips and commits',
      )),
    );
  } catch (error) {
    out.push(...skipped('pg-boss', `PostgreSQL not reachable: ${error.message}`));
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => {});
    await admin.end().catch(() => {});
  }

  log('inbox: pg-boss (PGlite)');
  const dir = mkdtempSync(join(tmpdir(), 'armalo-inbox-bench-'));
  try {
    const starts = await pgliteStarts(join(dir, 'starts'));
    out.push(
      ...(await measure(
        'pg-boss (PGlite)',
        async (options = {}) => {
          const pglite = await openPglite(join(dir, 'inbox'));
          await pglite.exec('CREATE TABLE IF NOT EXISTS effects (delivery_id text NOT NULL)');
          const inbox = createPgBossInbox({ pglite }, { queue: `bench-${suffix()}`, pollIntervalMs: 50, ...options });
          await inbox.ready();
          const close = async () => {
            await inbox.close();
            await pglite.close();
          };
          return { inbox, close, effects: 'effects' };
        },
        sizes,
        'the same statements on PGlite: in this process, no network, but one connection, so the web side, the fetches and every transaction take turns; bound by PostgreSQL in WebAssembly on one core',
        starts,
      )),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
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
        [],
        false, // no per-key ordering on BullMQ's open-source edition
      )),
    );
  } catch (error) {
    out.push(...skipped('bullmq', `Redis not reachable at ${REDIS_URL}: ${error.message}`, false));
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
