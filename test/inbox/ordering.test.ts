import { fileURLToPath } from 'node:url';
import {
  createInboxWorker,
  createMemoryInbox,
  createWebhookReceiver,
  type Inbox,
  type OrderBy,
  type WebhookReceiver,
} from '@armalo-webhooks/core';
import { createUncheckedDelivery } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { type ReceiverProcess, startReceiver } from '../stores/processes.js';
import { DATABASE_URL, postgresAvailable, randomId, sleep } from '../stores/servers.js';

// The proof of per-key ordering (docs/ordering.md): 2,000 deliveries over 50 keys (escrows), stored
// one key's deliveries in order and the keys side by side, run by workers at concurrency 8. Each
// run's start and each delivery's end are timed on one clock. Two keys have a head that fails for
// good: their keys must stop there while the 48 others finish, then move on once that head is
// redriven (one key) or skipped (the other). On pg-boss, two worker processes run the queue and one
// is SIGKILLed mid-run; pg-boss's expiry hands its deliveries to the other.

const SCRIPT = fileURLToPath(new URL('./fixtures/ordered-worker.mjs', import.meta.url));
const SECRET = 'whsec_inbox_ordering';
const KEYS = 50;
const PER_KEY = 40;
/** The key whose head is redriven once fixed, and the key whose head is skipped, and where they fail. */
const REDRIVEN = { key: 'k-redrive', seq: 5 };
const SKIPPED = { key: 'k-skip', seq: 3 };
const FAILING = `${REDRIVEN.key}:${REDRIVEN.seq},${SKIPPED.key}:${SKIPPED.seq}`;
const DEADLINE_MS = 150_000;

const orderBy: OrderBy = (event) =>
  event.event.startsWith('escrow.') ? `escrow:${String(event.data.escrowId)}` : undefined;

const keyNames = Array.from({ length: KEYS }, (_, i) =>
  i === 0 ? REDRIVEN.key : i === 1 ? SKIPPED.key : `k${String(i).padStart(2, '0')}`,
);

interface Start {
  key: string;
  seq: number;
  pid: number;
  at: number;
  /** When the run returned or threw; null for a run killed with its process. */
  ended: number | null;
}
interface Done {
  key: string;
  seq: number;
  pid: number;
  at: number;
}

/** Stores every delivery: each key's in order (one at a time), the keys side by side. */
async function storeAll(webhooks: WebhookReceiver): Promise<void> {
  await Promise.all(
    keyNames.map(async (key) => {
      for (let seq = 0; seq < PER_KEY; seq++) {
        const delivery = createUncheckedDelivery('escrow.funded', { escrowId: key, seq }, { secret: SECRET });
        const answer = await webhooks.receive({ rawBody: delivery.body, headers: delivery.headers, method: 'POST' });
        if ((answer.body as { queued?: boolean }).queued !== true) {
          throw new Error(`${key}:${seq} was not queued: ${JSON.stringify(answer.body)}`);
        }
      }
    }),
  );
}

interface Accounting {
  /** A key's runs that started out of stored order. */
  outOfOrder: number;
  /** Runs that started before the key's previous delivery had ended. */
  overlapping: number;
  lost: number;
  twice: number;
  /** Runs that died with the killed worker and ran again elsewhere. */
  rerunAfterKill: number;
  /** Most runs at once, across keys. */
  parallel: number;
}

function account(starts: Start[], done: Done[], skipped: Set<string>, killedPid: number): Accounting {
  const result: Accounting = { outOfOrder: 0, overlapping: 0, lost: 0, twice: 0, rerunAfterKill: 0, parallel: 0 };
  const ends = new Map<string, Done[]>();
  for (const row of done) ends.set(`${row.key}:${row.seq}`, [...(ends.get(`${row.key}:${row.seq}`) ?? []), row]);
  for (const key of keyNames) {
    const mine = starts.filter((start) => start.key === key).sort((a, b) => a.at - b.at);
    for (let i = 1; i < mine.length; i++) if (mine[i]!.seq < mine[i - 1]!.seq) result.outOfOrder++;
    let previousEnd = Number.NEGATIVE_INFINITY;
    for (let seq = 0; seq < PER_KEY; seq++) {
      const id = `${key}:${seq}`;
      const runs = mine.filter((start) => start.seq === seq);
      if (runs.length > 0 && runs[0]!.at < previousEnd) result.overlapping++;
      const ended = ends.get(id) ?? [];
      if (ended.length > 1) result.twice++;
      if (ended.length === 0 && !skipped.has(id)) result.lost++;
      const killed = runs.filter((run) => run.pid === killedPid && !ended.some((end) => end.pid === killedPid));
      if (killed.length > 0 && ended.length === 1) result.rerunAfterKill += killed.length;
      if (ended[0] !== undefined) previousEnd = ended[0].at;
    }
  }
  // Runs in flight at once, over the runs that ended (a killed run never does).
  const ended = starts.filter((start) => start.ended !== null);
  const events = [
    ...ended.map((start) => ({ at: start.at, d: 1 })),
    ...ended.map((start) => ({ at: start.ended as number, d: -1 })),
  ].sort((a, b) => a.at - b.at || a.d - b.d);
  let running = 0;
  for (const event of events) {
    running += event.d;
    result.parallel = Math.max(result.parallel, running);
  }
  return result;
}

const rows: string[] = [];
afterAll(() => {
  if (rows.length === 0) return;
  console.log(
    [
      '| engine | deliveries | keys | concurrency | workers | out of order | overlapping in a key | lost | run twice | re-run after the kill | most at once | blocked keys while their head was dead | their later deliveries run while blocked | after redrive / skip |',
      '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
      ...rows,
    ].join('\n'),
  );
});

/** While two heads are dead: what blocked() says, and that nothing behind them ran. */
async function checkBlocked(inbox: Inbox, starts: () => Promise<Start[]>) {
  const blocked = await inbox.blocked!();
  expect(blocked.map((entry) => entry.key).sort()).toEqual([`escrow:${REDRIVEN.key}`, `escrow:${SKIPPED.key}`]);
  for (const { key, seq } of [REDRIVEN, SKIPPED]) {
    const entry = blocked.find((candidate) => candidate.key === `escrow:${key}`)!;
    expect(entry.waiting).toBe(PER_KEY - seq - 1);
    expect(entry.head.state).toBe('dead');
    expect(entry.head.lastError?.message).toBe(`escrow ${key} delivery ${seq} cannot be processed`);
  }
  expect((await inbox.stats()).blocked?.count).toBe(2);
  const behind = (await starts()).filter(
    (start) =>
      (start.key === REDRIVEN.key && start.seq > REDRIVEN.seq) ||
      (start.key === SKIPPED.key && start.seq > SKIPPED.seq),
  ).length;
  expect(behind).toBe(0);
  return { blocked, behind };
}

describe.runIf(await postgresAvailable())(
  'per-key ordering on pg-boss: 2 worker processes, one SIGKILLed mid-run',
  () => {
    it('runs each key one delivery at a time in stored order; a dead head blocks only its key until redrive or skip', async () => {
      const schema = `armalo_order_${randomId()}`;
      const queue = `ordered-${randomId()}`;
      const db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
      await db.query(`CREATE SCHEMA ${schema}`);
      await db.query(
        `CREATE TABLE ${schema}.starts (id serial, key text, seq int, attempt int, pid int, at timestamptz DEFAULT clock_timestamp(), ended timestamptz)`,
      );
      await db.query(
        `CREATE TABLE ${schema}.done (key text, seq int, pid int, at timestamptz DEFAULT clock_timestamp())`,
      );
      await db.query(`CREATE TABLE ${schema}.fixed (key text, seq int)`);
      const inbox = createPgBossInbox(
        { connectionString: DATABASE_URL, max: 10 },
        { schema, queue, orderBy, maintenanceIntervalSeconds: 1, expireInSeconds: 3, onError: false },
      );
      const processes: ReceiverProcess[] = [];
      const ms = (column: string) => `extract(epoch FROM ${column})::float8 * 1000`;
      const read = async <T>(table: string) =>
        (
          await db.query(
            `SELECT key, seq, pid, ${ms('at')} AS at${table === 'starts' ? `, ${ms('ended')} AS ended` : ''} FROM ${schema}.${table} ORDER BY at`,
          )
        ).rows as T[];
      const count = async (table: string) =>
        (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.${table}`)).rows[0]!.n;
      try {
        await inbox.ready(); // creates pg-boss's schema and the key_strict_fifo queue before the workers start
        const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn() {}, error() {} } });
        const env = { SECRET, DATABASE_URL, SCHEMA: schema, QUEUE: queue, FAILING };
        const start = async () => {
          const started = await startReceiver(env, SCRIPT);
          processes.push(started);
          return started;
        };
        const [victim] = [await start(), await start()];

        let killedPid = 0;
        const killer = (async () => {
          while ((await count('done')) < (KEYS * PER_KEY) / 4) await sleep(20);
          killedPid = victim!.child.pid!;
          victim!.child.kill('SIGKILL');
          await new Promise((resolve) => victim!.child.once('exit', resolve));
        })();
        await storeAll(webhooks);
        await killer;

        // Everything but the two blocked keys' tails finishes; those keys stop at their dead head.
        const flowing = (KEYS - 2) * PER_KEY + REDRIVEN.seq + SKIPPED.seq;
        const deadline = Date.now() + DEADLINE_MS;
        while ((await count('done')) < flowing && Date.now() < deadline) await sleep(200);
        expect(await count('done')).toBe(flowing);
        await waitForBlocked(inbox, 2, deadline);
        await sleep(500); // time for anything wrongly let through to start
        const { behind } = await checkBlocked(inbox, () => read<Start>('starts'));

        // The operator acts: fixes one escrow and redrives its head, skips the other's.
        const [redriven, skippedKey] = [REDRIVEN, SKIPPED].map(
          (failing) => (blockedCache.get(inbox) ?? []).find((entry) => entry.key === `escrow:${failing.key}`)!,
        );
        await db.query(`INSERT INTO ${schema}.fixed VALUES ($1, $2)`, [REDRIVEN.key, REDRIVEN.seq]);
        expect(await inbox.redrive({ ids: [redriven!.head.id] })).toBe(1);
        expect(await inbox.skip!(skippedKey!.head.id)).toMatchObject({ state: 'skipped' });
        while ((await count('done')) < KEYS * PER_KEY - 1 && Date.now() < deadline) await sleep(200);
        expect(await count('done')).toBe(KEYS * PER_KEY - 1);
        expect(await inbox.blocked!()).toEqual([]);

        const result = account(
          await read<Start>('starts'),
          await read<Done>('done'),
          new Set([`${SKIPPED.key}:${SKIPPED.seq}`]),
          killedPid,
        );
        rows.push(
          `| pg-boss (PostgreSQL) | ${KEYS * PER_KEY} | ${KEYS} | 8 per worker | 2, one SIGKILLed | ${result.outOfOrder} | ${result.overlapping} | ${result.lost} | ${result.twice} | ${result.rerunAfterKill} | ${result.parallel} | 2 (the 48 others finished) | ${behind} | both keys finished in order |`,
        );
        expect(result).toMatchObject({ outOfOrder: 0, overlapping: 0, lost: 0, twice: 0 });
        expect(result.parallel).toBeGreaterThan(1);
        // The kill hit runs in hand, and pg-boss's expiry gave them to the other worker.
        expect(result.rerunAfterKill).toBeGreaterThan(0);
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
        await inbox.close();
        await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await db.end();
      }
    }, 240_000);
  },
);

describe('per-key ordering on the memory inbox', () => {
  it('runs each key one delivery at a time in stored order; a dead head blocks only its key until redrive or skip', async () => {
    const inbox = createMemoryInbox({ orderBy });
    const starts: Start[] = [];
    const done: Done[] = [];
    const fixed = new Set<string>();
    const failing = new Set(FAILING.split(','));
    const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn() {}, error() {} } });
    webhooks.on('escrow.funded', async (event) => {
      const { escrowId: key, seq } = event.data as { escrowId: string; seq: number };
      const run: Start = { key, seq, pid: 0, at: performance.now(), ended: null };
      starts.push(run);
      try {
        const id = `${key}:${seq}`;
        if (failing.has(id) && !fixed.has(id)) throw new Error(`escrow ${key} delivery ${seq} cannot be processed`);
        await sleep(Math.random() * 4);
        done.push({ key, seq, pid: 0, at: performance.now() });
      } finally {
        run.ended = performance.now();
      }
    });
    const worker = createInboxWorker(webhooks, { concurrency: 8, retry: { attempts: 2, baseMs: 50, maxMs: 100 } });
    await worker.start();
    try {
      await storeAll(webhooks);
      const flowing = (KEYS - 2) * PER_KEY + REDRIVEN.seq + SKIPPED.seq;
      const deadline = Date.now() + DEADLINE_MS;
      while (done.length < flowing && Date.now() < deadline) await sleep(50);
      await waitForBlocked(inbox, 2, deadline);
      await sleep(300);
      const { behind } = await checkBlocked(inbox, async () => starts);
      const blocked = blockedCache.get(inbox) ?? [];
      fixed.add(`${REDRIVEN.key}:${REDRIVEN.seq}`);
      const head = (key: string) => blocked.find((entry) => entry.key === `escrow:${key}`)!.head.id;
      expect(await inbox.redrive({ ids: [head(REDRIVEN.key)] })).toBe(1);
      expect(await inbox.skip!(head(SKIPPED.key))).toMatchObject({ state: 'skipped' });
      while (done.length < KEYS * PER_KEY - 1 && Date.now() < deadline) await sleep(50);
      expect(done).toHaveLength(KEYS * PER_KEY - 1);

      const result = account(starts, done, new Set([`${SKIPPED.key}:${SKIPPED.seq}`]), -1);
      rows.push(
        `| memory | ${KEYS * PER_KEY} | ${KEYS} | 8 | 1 | ${result.outOfOrder} | ${result.overlapping} | ${result.lost} | ${result.twice} | n/a | ${result.parallel} | 2 (the 48 others finished) | ${behind} | both keys finished in order |`,
      );
      expect(result).toMatchObject({ outOfOrder: 0, overlapping: 0, lost: 0, twice: 0 });
      expect(result.parallel).toBeGreaterThan(1);
    } finally {
      await worker.stop();
      await inbox.close();
    }
  }, 120_000);
});

/** The last blocked() answer of each inbox, read by waitForBlocked. */
const blockedCache = new WeakMap<Inbox, Awaited<ReturnType<NonNullable<Inbox['blocked']>>>>();

async function waitForBlocked(inbox: Inbox, keys: number, deadline: number): Promise<void> {
  for (;;) {
    const blocked = await inbox.blocked!();
    blockedCache.set(inbox, blocked);
    if (blocked.length === keys) return;
    if (Date.now() > deadline) throw new Error(`${blocked.length} blocked keys, not ${keys}`);
    await sleep(100);
  }
}
