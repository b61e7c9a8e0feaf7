import { fileURLToPath } from 'node:url';
import type { Inbox, InboxState } from '@armalo-webhooks/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan, sendPlan } from '../freshness/harness.js';
import { keepAliveAgent, post, type ReceiverProcess, startReceiver } from '../stores/processes.js';
import {
  DATABASE_URL,
  deleteRedisKeys,
  postgresAvailable,
  REDIS_URL,
  randomId,
  redisAvailable,
  sleep,
} from '../stores/servers.js';

// The freshness guard in the durable inboxes, under load: deliveries of a few hundred agents' scores
// (two event names, one freshness key per agent), sent shuffled to two web processes, with re-sends
// (some to both at once, some later), 10% transient handler failures (retried later by the worker,
// so newer deliveries overtake them), and two worker processes, one SIGKILLed mid-run and
// restarted. The handler writes the agent's state unconditionally (see
// fixtures/freshness-process.mjs): only the guard keeps it from going back in time.

const SCRIPT = fileURLToPath(new URL('./fixtures/freshness-process.mjs', import.meta.url));
const SECRET = 'whsec_inbox_freshness';
const DELIVERIES = 3_000;
const KEYS = 200;
const DUPLICATE_RATE = 0.1;
const SENDERS = 16;
/** Bounds, not targets. */
const SEND_DEADLINE_MS = 150_000;
const DRAIN_DEADLINE_MS = 150_000;
const SEED = Number(process.env.FRESHNESS_SEED ?? 23);

const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();

const rows: string[] = [];

describe.runIf(postgresUp)(
  'the freshness guard in the inbox: 2 web and 2 worker processes, one worker SIGKILLed',
  () => {
    const schema = `armalo_fresh_mp_${randomId()}`;
    const prefix = `armalo-test-fresh-${randomId()}`;
    let db: pg.Pool;

    beforeAll(async () => {
      db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
      await db.query(`CREATE SCHEMA ${schema}`);
      await db.query(`CREATE TABLE ${schema}.state (agent_id text PRIMARY KEY, seq int NOT NULL, ts bigint NOT NULL)`);
      await db.query(
        `CREATE TABLE ${schema}.runs (n int NOT NULL, agent_id text NOT NULL, seq int NOT NULL, ts bigint NOT NULL,
        found_ts bigint, watermark bigint, advances boolean, failed boolean NOT NULL, pid int NOT NULL, attempt int NOT NULL)`,
      );
    });

    afterAll(async () => {
      await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db?.end();
      if (redisUp) {
        const redis = new Redis(REDIS_URL);
        await deleteRedisKeys(redis, `${prefix}:`);
        redis.disconnect();
      }
      if (rows.length > 0) {
        console.log(
          [
            `Freshness in the inbox: ${DELIVERIES} deliveries over ${KEYS} keys (seed ${SEED}), 2 web + 2 worker processes, one worker SIGKILLed and restarted`,
            '| engine | sent | queued | duplicate | handled | stale | handler runs | transient failures | re-run after the kill | missing | wrong final state | ran older than the stored state | ran older than its watermark |',
            '|---|---|---|---|---|---|---|---|---|---|---|---|---|',
            ...rows,
          ].join('\n'),
        );
      }
    });

    async function prove(engine: 'pg-boss' | 'bullmq'): Promise<void> {
      const queue = `fresh-${engine}-${randomId()}`;
      await db.query(`TRUNCATE ${schema}.state, ${schema}.runs`);
      const env = { ENGINE: engine, SECRET, DATABASE_URL, REDIS_URL, SCHEMA: schema, QUEUE: queue, PREFIX: prefix };
      const processes: ReceiverProcess[] = [];
      const start = async (role: string) => {
        const started = await startReceiver({ ...env, ROLE: role }, SCRIPT);
        processes.push(started);
        return started;
      };
      try {
        const web = [await start('web'), await start('web')];
        const [victim] = [await start('worker'), await start('worker')];
        // The shared plan (test/freshness/harness.ts): shuffled, 10% sent again later; each copy is
        // sent until a 2xx, alternating web processes by attempt.
        const plan = buildPlan({
          secret: SECRET,
          keys: KEYS,
          deliveries: DELIVERIES,
          duplicateRate: DUPLICATE_RATE,
          seed: SEED,
        });
        const agent = keepAliveAgent(SENDERS);
        const runs = async () =>
          (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.runs`)).rows[0]!.n;
        let killedPid = 0;
        let sending = true;
        const killer = (async () => {
          // Mid-run: the victim has run some deliveries, and more are on their way.
          while (sending && (await runs()) < 150) await sleep(50);
          killedPid = victim!.child.pid!;
          victim!.child.kill('SIGKILL');
          await new Promise((resolve) => victim!.child.once('exit', resolve));
          await start('worker');
        })();
        const tally = await sendPlan(
          plan,
          (delivery, attempt) => post(agent, (web[(delivery.seq + attempt) % 2] as ReceiverProcess).port, delivery),
          { workers: SENDERS, deadlineMs: SEND_DEADLINE_MS, seed: SEED },
        );
        sending = false;
        agent.destroy();
        await killer;
        const acknowledged = tally.acknowledged.filter((body) => body !== undefined);
        const queued = acknowledged.filter((body) => body?.queued === true).length;
        const duplicate = acknowledged.filter((body) => body?.duplicate === true).length;

        const inbox = await adminInbox(engine, queue, schema, prefix);
        try {
          const deadline = Date.now() + DRAIN_DEADLINE_MS;
          let byState = new Map<InboxState, number>();
          while (Date.now() < deadline) {
            byState = await countStates(inbox);
            if ((byState.get('completed') ?? 0) + (byState.get('stale') ?? 0) >= DELIVERIES) break;
            await sleep(500);
          }
          const handled = byState.get('completed') ?? 0;
          const stale = byState.get('stale') ?? 0;
          const missing = DELIVERIES - handled - stale;

          // Every key's stored state is its newest event.
          const stored = await storedState(engine, prefix, db, schema);
          let wrong = 0;
          for (const [key, newest] of plan.newest) if (stored.get(key) !== newest) wrong++;

          const { rows: ran } = await db.query<{
            n: number;
            ts: string;
            found_ts: string | null;
            watermark: string | null;
            advances: boolean | null;
            failed: boolean;
            pid: number;
            attempt: number;
          }>(`SELECT n, ts, found_ts, watermark, advances, failed, pid, attempt FROM ${schema}.runs`);
          // At the moment each handler ran: the key's stored state (the newest handled delivery's) was
          // not newer than this delivery, and neither was the watermark the guard read.
          const olderThanStored = ran.filter((run) => run.found_ts !== null && Number(run.ts) < Number(run.found_ts));
          const olderThanWatermark = ran.filter((run) =>
            run.watermark === null ? run.advances !== true : Number(run.ts) < Number(run.watermark),
          );
          const transient = ran.filter((run) => run.failed).length;
          // Runs of a delivery on a later attempt that was not planned to fail: its first run died with the victim.
          const reRun = new Set(ran.filter((run) => run.attempt > 1 && run.n % 10 !== 3).map((run) => run.n)).size;
          const killedRuns = ran.filter((run) => run.pid === killedPid).length;

          rows.push(
            `| ${engine} | ${plan.order.length} | ${queued} | ${duplicate} | ${handled} | ${stale} | ${ran.length} | ${transient} | ${reRun} | ${missing} | ${wrong} | ${olderThanStored.length} | ${olderThanWatermark.length} |`,
          );

          // Every copy was acknowledged: each distinct delivery stored once, every other copy a duplicate.
          expect(acknowledged.length).toBe(plan.order.length);
          expect(queued).toBe(DELIVERIES);
          expect(queued + duplicate).toBe(plan.order.length);
          // Every acknowledged delivery is accounted for: handled or stale, none missing, none dead.
          expect(missing).toBe(0);
          expect(byState.get('dead') ?? 0).toBe(0);
          expect(wrong).toBe(0);
          expect(olderThanStored).toEqual([]);
          expect(olderThanWatermark).toEqual([]);
          // The run really exercised what it claims: overtaken deliveries, retried failures, a kill mid-run.
          expect(stale).toBeGreaterThan(KEYS);
          expect(transient).toBeGreaterThan(ran.length / 20);
          expect(killedRuns).toBeGreaterThan(0);
        } finally {
          await inbox.close();
        }
      } finally {
        await Promise.all(processes.map((p) => p.stop()));
      }
    }

    it('pg-boss: every key ends on its newest event; no handler ran for an older delivery; every delivery handled or stale', async () => {
      await prove('pg-boss');
    }, 240_000);

    it.runIf(redisUp)(
      'BullMQ: every key ends on its newest event; no handler ran for an older delivery; every delivery handled or stale',
      async () => {
        await prove('bullmq');
      },
      240_000,
    );
  },
);

/** Jobs by state, read through the inbox's own list (every job, live). */
async function countStates(inbox: Inbox): Promise<Map<InboxState, number>> {
  const counts = new Map<InboxState, number>();
  for (const entry of await inbox.list({ limit: 100_000 })) counts.set(entry.state, (counts.get(entry.state) ?? 0) + 1);
  return counts;
}

/** Each agent's stored seq, where the handlers wrote it. */
async function storedState(engine: string, prefix: string, db: pg.Pool, schema: string): Promise<Map<string, number>> {
  if (engine === 'bullmq') {
    const redis = new Redis(REDIS_URL);
    try {
      const hash = await redis.hgetall(`${prefix}:state`);
      return new Map(Object.entries(hash).map(([agent, value]) => [agent, (JSON.parse(value) as { seq: number }).seq]));
    } finally {
      redis.disconnect();
    }
  }
  const { rows } = await db.query<{ agent_id: string; seq: number }>(`SELECT agent_id, seq FROM ${schema}.state`);
  return new Map(rows.map((row) => [row.agent_id, row.seq]));
}

async function adminInbox(engine: string, queue: string, schema: string, prefix: string): Promise<Inbox> {
  if (engine === 'pg-boss') {
    const { createPgBossInbox } = await import('@armalo-webhooks/pg-boss');
    return createPgBossInbox(
      { connectionString: DATABASE_URL, max: 2 },
      { schema, queue, freshnessTable: `${schema}.freshness`, onError: false },
    );
  }
  const { createBullMQInbox } = await import('@armalo-webhooks/bullmq');
  return createBullMQInbox({ connection: REDIS_URL, prefix, queue, onError: false, stalledIntervalMs: 1_000 });
}
