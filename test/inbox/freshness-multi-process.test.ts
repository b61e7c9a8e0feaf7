import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Inbox } from '@armalo-webhooks/core';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPlan, type PlannedDelivery, sendPlan } from '../freshness/harness.js';
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
// (two event names, one freshness key per agent), sent shuffled to two web processes with re-sends
// later (the shared plan and sender of test/freshness/harness.ts), 10% of deliveries failing their
// first attempt (retried later by the worker, so newer deliveries overtake them), and two worker
// processes, one SIGKILLed mid-run and restarted. PGlite is one process by design: there the one
// process (web side and worker) is SIGKILLed and restarted on its directory. The handler writes
// the agent's state unconditionally (fixtures/freshness-process.mjs): only the guard keeps it from
// going back in time.

const SCRIPT = fileURLToPath(new URL('./fixtures/freshness-process.mjs', import.meta.url));
const SECRET = 'whsec_inbox_freshness';
/** Per engine: PGlite is one process on one connection, so it gets a smaller plan (about as many versions per key). */
const SIZES = {
  'pg-boss': { deliveries: 3_000, keys: 200 },
  bullmq: { deliveries: 3_000, keys: 200 },
  pglite: { deliveries: 2_000, keys: 125 },
} as const;
const DUPLICATE_RATE = 0.1;
const SENDERS = 16;
/** Bounds, not targets. */
const SEND_DEADLINE_MS = 150_000;
const DRAIN_DEADLINE_MS = 150_000;
const SEED = Number(process.env.FRESHNESS_SEED ?? 23);

const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();

const rows: string[] = [];

type Engine = 'pg-boss' | 'bullmq' | 'pglite';

/** The processes of one engine's run, and how to read what they did. */
interface Deployment {
  /** How the processes are laid out, for the table. */
  layout: string;
  /** Where a copy goes on this attempt (a process may be down: the sender retries). */
  port(delivery: PlannedDelivery, attempt: number): number;
  /** SIGKILLs the victim and starts its replacement; answers the victim's pid. */
  killAndRestart(): Promise<number>;
  /** The inbox's jobs by state, and each agent's stored version. */
  report(): Promise<{ byState: Map<string, number>; state: Map<string, number> }>;
  close(): Promise<void>;
}

describe.runIf(postgresUp)(
  'the freshness guard in the inbox: 2 web and 2 worker processes, one worker SIGKILLed',
  () => {
    const schema = `armalo_fresh_mp_${randomId()}`;
    const prefix = `armalo-test-fresh-${randomId()}`;
    const dir = mkdtempSync(join(tmpdir(), 'armalo-fresh-pglite-'));
    let db: pg.Pool;

    beforeAll(async () => {
      db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
      await db.query(`CREATE SCHEMA ${schema}`);
      await db.query(
        `CREATE TABLE ${schema}.state (agent_id text PRIMARY KEY, seq int NOT NULL, ts bigint NOT NULL, pid int NOT NULL)`,
      );
      await db.query(
        `CREATE TABLE ${schema}.runs (n int NOT NULL, agent_id text NOT NULL, seq int NOT NULL, ts bigint NOT NULL,
        found_ts bigint, found_pid int, watermark bigint, advances boolean, failed boolean NOT NULL, pid int NOT NULL, attempt int NOT NULL)`,
      );
    });

    afterAll(async () => {
      await db?.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await db?.end();
      rmSync(dir, { recursive: true, force: true });
      if (redisUp) {
        const redis = new Redis(REDIS_URL);
        await deleteRedisKeys(redis, `${prefix}:`);
        redis.disconnect();
      }
      if (rows.length > 0) {
        console.log(
          [
            `Freshness in the inbox (seed ${SEED}): one process SIGKILLed mid-run and restarted`,
            '| engine | processes | keys | deliveries | sent | queued | duplicate | handled | stale | handler runs | transient failures | re-run after the kill | missing | wrong final state | ran older than the stored state | ran older than its watermark |',
            '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
            ...rows,
          ].join('\n'),
        );
      }
    });

    /** Two web processes and two workers on a server engine; the first worker is the victim. */
    async function servers(engine: 'pg-boss' | 'bullmq', queue: string): Promise<Deployment> {
      const env = { ENGINE: engine, SECRET, DATABASE_URL, REDIS_URL, SCHEMA: schema, QUEUE: queue, PREFIX: prefix };
      const processes: ReceiverProcess[] = [];
      const start = async (role: string) => {
        const started = await startReceiver({ ...env, ROLE: role }, SCRIPT);
        processes.push(started);
        return started;
      };
      try {
        const web = [await start('web'), await start('web')];
        const victim = await start('worker');
        await start('worker');
        return {
          layout: '2 web + 2 workers',
          port: (delivery, attempt) => (web[(delivery.seq + attempt) % 2] as ReceiverProcess).port,
          async killAndRestart() {
            await kill(victim);
            await start('worker');
            return victim.child.pid as number;
          },
          async report() {
            const inbox = await adminInbox(engine, queue);
            try {
              return { byState: await countStates(inbox), state: await storedState(engine) };
            } finally {
              await inbox.close();
            }
          },
          close: async () => void (await Promise.all(processes.map((p) => p.stop()))),
        };
      } catch (error) {
        await Promise.all(processes.map((p) => p.stop()));
        throw error;
      }
    }

    /** PGlite: one process, the web side and a worker, on a directory; it is the victim. */
    async function embedded(queue: string): Promise<Deployment> {
      const env = { ENGINE: 'pglite', SECRET, DATABASE_URL, SCHEMA: schema, QUEUE: queue, DIR: dir, ROLE: 'both' };
      // The first start creates the database (initdb, pg-boss's schema): here, not within the child's start-up bound.
      const { createPgBossInbox } = await import('@armalo-webhooks/pg-boss');
      const first = createPgBossInbox({ pglite: dir }, { queue, onError: false });
      await first.ready();
      await first.close();
      let current = await startReceiver(env, SCRIPT);
      return {
        layout: '1 (web + worker)',
        port: () => current.port,
        async killAndRestart() {
          const victim = current;
          await kill(victim);
          current = await startReceiver(env, SCRIPT);
          return victim.child.pid as number;
        },
        async report() {
          const report = (await getJson(current.port, '/report')) as {
            byState: Record<string, number>;
            state: [string, number][];
          };
          return { byState: new Map(Object.entries(report.byState)), state: new Map(report.state) };
        },
        close: () => current.stop(),
      };
    }

    async function prove(engine: Engine): Promise<void> {
      const queue = `fresh-${engine}-${randomId()}`;
      await db.query(`TRUNCATE ${schema}.state, ${schema}.runs`);
      const deployment = engine === 'pglite' ? await embedded(queue) : await servers(engine, queue);
      try {
        // The shared plan: shuffled, 10% sent again later; each copy sent until a 2xx.
        const { deliveries } = SIZES[engine];
        const plan = buildPlan({
          secret: SECRET,
          keys: SIZES[engine].keys,
          deliveries,
          duplicateRate: DUPLICATE_RATE,
          seed: SEED,
        });
        const agent = keepAliveAgent(SENDERS);
        const runs = async () =>
          (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${schema}.runs`)).rows[0]!.n;
        let sending = true;
        const killed = (async () => {
          // Mid-run: the victim has run some deliveries, and more are on their way.
          while (sending && (await runs()) < 150) await sleep(50);
          return deployment.killAndRestart();
        })();
        const tally = await sendPlan(
          plan,
          (delivery, attempt) => post(agent, deployment.port(delivery, attempt), delivery),
          { workers: SENDERS, deadlineMs: SEND_DEADLINE_MS, seed: SEED },
        );
        sending = false;
        agent.destroy();
        const killedPid = await killed;
        const acknowledged = tally.acknowledged.filter((body) => body !== undefined);
        const queued = acknowledged.filter((body) => body?.queued === true).length;
        const duplicate = acknowledged.filter((body) => body?.duplicate === true).length;

        const deadline = Date.now() + DRAIN_DEADLINE_MS;
        let report = await deployment.report();
        while (Date.now() < deadline) {
          if ((report.byState.get('completed') ?? 0) + (report.byState.get('stale') ?? 0) >= deliveries) break;
          await sleep(500);
          report = await deployment.report();
        }
        const handled = report.byState.get('completed') ?? 0;
        const stale = report.byState.get('stale') ?? 0;
        const missing = deliveries - handled - stale;
        // Every key's stored state is its newest event.
        let wrong = 0;
        for (const [key, newest] of plan.newest) if (report.state.get(key) !== newest) wrong++;

        const { rows: ran } = await db.query<{
          n: number;
          ts: string;
          found_ts: string | null;
          found_pid: number | null;
          watermark: string | null;
          advances: boolean | null;
          failed: boolean;
          pid: number;
          attempt: number;
        }>(`SELECT n, ts, found_ts, found_pid, watermark, advances, failed, pid, attempt FROM ${schema}.runs`);
        // At the moment each handler ran: the key's stored state (the newest handled delivery's) was
        // not newer than this delivery, and neither was the watermark the guard read.
        const olderThanStored = ran.filter((run) => run.found_ts !== null && Number(run.ts) < Number(run.found_ts));
        const olderThanWatermark = ran.filter((run) =>
          run.watermark === null ? run.advances !== true : Number(run.ts) < Number(run.watermark),
        );
        const transient = ran.filter((run) => run.failed).length;
        // Later attempts of a delivery not planned to fail: its earlier run died with the victim.
        const reRun = new Set(ran.filter((run) => run.attempt > 1 && run.n % 10 !== 3).map((run) => run.n)).size;
        const killedRuns = ran.filter((run) => run.pid === killedPid).length;

        rows.push(
          `| ${engine} | ${deployment.layout} | ${SIZES[engine].keys} | ${deliveries} | ${plan.order.length} | ${queued} | ${duplicate} | ${handled} | ${stale} | ${ran.length} | ${transient} | ${reRun} | ${missing} | ${wrong} | ${olderThanStored.length} | ${olderThanWatermark.length} |`,
        );

        // Every copy was acknowledged: each distinct delivery stored once, every other copy a duplicate.
        expect(acknowledged.length).toBe(plan.order.length);
        expect(queued + duplicate).toBe(plan.order.length);
        if (engine === 'pglite') {
          // The one process is the web side too: a delivery stored just before the kill, whose answer
          // the kill cut off, is answered `duplicate` when the sender tries it again. At most one such
          // delivery per request the kill cut off (a network error); `missing` below shows none is lost.
          const cut = [...tally.other].filter(([label]) => !/^\d{3} /.test(label)).reduce((n, [, k]) => n + k, 0);
          expect(queued).toBeLessThanOrEqual(deliveries);
          expect(deliveries - queued).toBeLessThanOrEqual(cut);
        } else {
          // Only a worker is killed: every first copy reached a web process that answered it.
          expect(queued).toBe(deliveries);
        }
        // Every acknowledged delivery is accounted for: handled or stale, none missing, none dead.
        expect(missing).toBe(0);
        expect(report.byState.get('dead') ?? 0).toBe(0);
        expect(wrong).toBe(0);
        expect(olderThanWatermark).toEqual([]);
        if (engine === 'bullmq') {
          // At-least-once: a worker killed after its handler wrote and before the raise leaves a state
          // newer than the watermark until that job runs again (its key stays leased to it meanwhile,
          // up to the lease). Only the killed worker's writes may be found ahead that way.
          expect(olderThanStored.filter((run) => run.found_pid !== killedPid)).toEqual([]);
        } else {
          // Exactly-once: the state, the watermark and the completion commit together.
          expect(olderThanStored).toEqual([]);
        }
        // The run really exercised what it claims: overtaken deliveries, retried failures, a kill mid-run.
        expect(stale).toBeGreaterThan(SIZES[engine].keys);
        expect(transient).toBeGreaterThan(ran.length / 20);
        expect(killedRuns).toBeGreaterThan(0);
      } finally {
        await deployment.close();
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

    it('PGlite (one process, killed and restarted on its directory): the same', async () => {
      await prove('pglite');
    }, 420_000);

    /** Jobs by state, read through the inbox's own list (every job, live). */
    async function countStates(inbox: Inbox): Promise<Map<string, number>> {
      const counts = new Map<string, number>();
      for (const entry of await inbox.list({ limit: 100_000 }))
        counts.set(entry.state, (counts.get(entry.state) ?? 0) + 1);
      return counts;
    }

    /** Each agent's stored version, where the handlers wrote it. */
    async function storedState(engine: 'pg-boss' | 'bullmq'): Promise<Map<string, number>> {
      if (engine === 'bullmq') {
        const redis = new Redis(REDIS_URL);
        try {
          const hash = await redis.hgetall(`${prefix}:state`);
          return new Map(Object.entries(hash).map(([key, value]) => [key, (JSON.parse(value) as { seq: number }).seq]));
        } finally {
          redis.disconnect();
        }
      }
      const { rows } = await db.query<{ agent_id: string; seq: number }>(`SELECT agent_id, seq FROM ${schema}.state`);
      return new Map(rows.map((row) => [row.agent_id, row.seq]));
    }

    async function adminInbox(engine: 'pg-boss' | 'bullmq', queue: string): Promise<Inbox> {
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
  },
);

async function kill(victim: ReceiverProcess): Promise<void> {
  const exited = new Promise((resolve) => victim.child.once('exit', resolve));
  victim.child.kill('SIGKILL');
  await exited;
}

function getJson(port: number, path: string): Promise<unknown> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      res.on('error', reject);
    }).on('error', reject);
  });
}
