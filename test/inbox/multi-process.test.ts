import { fileURLToPath } from 'node:url';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveAgent, type PostOutcome, post, type ReceiverProcess, startReceiver } from '../stores/processes.js';
import {
  DATABASE_URL,
  deleteRedisKeys,
  postgresAvailable,
  REDIS_URL,
  randomId,
  redisAvailable,
  sleep,
} from '../stores/servers.js';

// Two web processes store deliveries in one inbox; two worker processes run the handler (see
// fixtures/inbox-process.mjs for its failure plan). One worker is SIGKILLed mid-run and restarted.
// Every success writes a row to `effects` with no unique constraint, so a double run shows.

const SCRIPT = fileURLToPath(new URL('./fixtures/inbox-process.mjs', import.meta.url));
const SECRET = 'whsec_inbox_multi_process';
const UNIQUE = 5_000;
/** 20% of sends are re-sends: half to both web processes at once, half later to one. */
const CONCURRENT_DUPLICATES = 500;
const LATER_DUPLICATES = 500;
const SENDERS = 16;
const DRAIN_DEADLINE_MS = 150_000;

const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();

type Delivery = { body: string; headers: Record<string, string> };
const permanent = (n: number) => n % 100 === 7;

interface Tally {
  queued: number;
  duplicate: number;
  unavailable: number;
  other: number;
}

/** Sends one delivery until a 200; 503s (an engine hiccup) are retried, as Armalo would. */
async function deliver(
  agent: ReturnType<typeof keepAliveAgent>,
  port: number,
  delivery: Delivery,
  tally: Tally,
): Promise<void> {
  for (let tries = 0; tries < 50; tries++) {
    const outcome: PostOutcome = await post(agent, port, delivery);
    if ('status' in outcome && outcome.status === 200) {
      if (outcome.body.queued === true) tally.queued++;
      else if (outcome.body.duplicate === true) tally.duplicate++;
      else tally.other++;
      return;
    }
    if ('status' in outcome && outcome.status === 503) tally.unavailable++;
    else tally.other++;
    await sleep(50);
  }
  throw new Error('a delivery was never acknowledged');
}

const rows: string[] = [];

describe.runIf(postgresUp)('inbox across 2 web and 2 worker processes, one worker SIGKILLed and restarted', () => {
  const schema = `armalo_inbox_mp_${randomId()}`;
  const prefix = `armalo-test-mp-${randomId()}`;
  let db: pg.Pool;

  beforeAll(async () => {
    db = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    await db.query(`CREATE SCHEMA ${schema}`);
    await db.query(
      `CREATE TABLE ${schema}.effects (n int NOT NULL, delivery_id text NOT NULL, pid int NOT NULL, attempt int NOT NULL)`,
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
          '| engine | unique | sent | queued | duplicate | 503 | effect once | dead-lettered | missing | effect twice (by the killed worker) | re-run after the kill |',
          '|---|---|---|---|---|---|---|---|---|---|---|',
          ...rows,
        ].join('\n'),
      );
    }
  });

  async function prove(engine: 'pg-boss' | 'bullmq'): Promise<void> {
    const queue = `mp-${engine}-${randomId()}`;
    await db.query(`TRUNCATE ${schema}.effects`);
    const env = { ENGINE: engine, SECRET, DATABASE_URL, REDIS_URL, SCHEMA: schema, QUEUE: queue, PREFIX: prefix };
    const processes: ReceiverProcess[] = [];
    const start = async (role: string) => {
      const started = await startReceiver({ ...env, ROLE: role }, SCRIPT);
      processes.push(started);
      return started;
    };
    try {
      // Web processes first: the first one creates pg-boss's schema, the others find it.
      const web = [await start('web'), await start('web')];
      const [victim] = [await start('worker'), await start('worker')];
      const deliveries = Array.from({ length: UNIQUE }, (_, n) =>
        createSignedDelivery('score.changed', { ...sampleData('score.changed'), n }, { secret: SECRET }),
      );
      const tally: Tally = { queued: 0, duplicate: 0, unavailable: 0, other: 0 };
      const agents = web.map(() => keepAliveAgent(SENDERS));
      let next = 0;
      let sent = 0;
      const concurrentEvery = Math.floor(UNIQUE / CONCURRENT_DUPLICATES);
      const laterEvery = Math.floor(UNIQUE / LATER_DUPLICATES);
      const send = async () => {
        for (let n = next++; n < UNIQUE; n = next++) {
          const side = n % 2;
          const delivery = deliveries[n]!;
          if (n % concurrentEvery === 1) {
            sent += 2;
            await Promise.all([0, 1].map((i) => deliver(agents[i]!, web[i]!.port, delivery, tally)));
          } else {
            sent++;
            await deliver(agents[side]!, web[side]!.port, delivery, tally);
          }
          if (n % laterEvery === 5) {
            sent++;
            await deliver(agents[1 - side]!, web[1 - side]!.port, deliveries[(n + UNIQUE - 100) % UNIQUE]!, tally);
          }
        }
      };

      const count = async () =>
        (await db.query<{ n: number }>(`SELECT count(DISTINCT n)::int AS n FROM ${schema}.effects`)).rows[0]!.n;
      let killedPid = 0;
      const killer = (async () => {
        // Mid-run: once a fifth of the effects are in, the victim holds jobs in hand.
        while ((await count()) < UNIQUE / 5) await sleep(50);
        killedPid = victim!.child.pid!;
        victim!.child.kill('SIGKILL');
        await new Promise((resolve) => victim!.child.once('exit', resolve));
        await start('worker');
      })();

      await Promise.all(Array.from({ length: SENDERS }, send));
      await killer;

      const expectedEffects = deliveries.filter((_, n) => !permanent(n)).length;
      const deadline = Date.now() + DRAIN_DEADLINE_MS;
      while ((await count()) < expectedEffects && Date.now() < deadline) await sleep(250);
      // Dead letters settle after their fourth attempt; give the last ones a moment too.
      const inbox = await adminInbox(engine, queue, schema, prefix);
      try {
        while (Date.now() < deadline) {
          const stats = await inbox.stats();
          if (stats.waiting + stats.active + stats.delayed === 0) break;
          await sleep(250);
        }
        await sleep(500);
        const effects = (
          await db.query<{ n: number; runs: number; pids: number[]; attempts: number[] }>(
            `SELECT n, count(*)::int AS runs, array_agg(pid) AS pids, array_agg(attempt) AS attempts
             FROM ${schema}.effects GROUP BY n`,
          )
        ).rows;
        const byN = new Map(effects.map((row) => [row.n, row]));
        const dead = await inbox.list({ state: 'dead', limit: 10_000 });
        const deadN = new Set(
          dead.map((entry) => JSON.parse(Buffer.from(entry.delivery.body, 'base64').toString()).data.n),
        );

        let once = 0;
        let twice = 0;
        let twiceByVictim = 0;
        let missing = 0;
        // Successes on a later attempt with no failure planned: runs whose first try died with the victim.
        let recovered = 0;
        for (let n = 0; n < UNIQUE; n++) {
          const row = byN.get(n);
          if (row && n % 10 !== 3 && row.attempts.some((attempt) => attempt > 1)) recovered++;
          if (permanent(n)) {
            expect(row, `permanent ${n} has no effect`).toBeUndefined();
            if (!deadN.has(n)) missing++;
          } else if (row === undefined) missing++;
          else if (row.runs === 1) once++;
          else {
            twice++;
            if (row.pids.includes(killedPid)) twiceByVictim++;
          }
        }
        rows.push(
          `| ${engine} | ${UNIQUE} | ${sent} | ${tally.queued} | ${tally.duplicate} | ${tally.unavailable} | ${once} | ${deadN.size} | ${missing} | ${twice} (${twiceByVictim}) | ${recovered} |`,
        );

        // Every acknowledged delivery is accounted for: an effect, or a dead letter.
        expect(missing).toBe(0);
        expect(tally.other).toBe(0);
        // Each unique delivery was stored once; every other acknowledgement was a duplicate.
        expect(tally.queued).toBe(UNIQUE);
        expect(tally.queued + tally.duplicate).toBe(sent);
        expect(deadN.size).toBe(deliveries.filter((_, n) => permanent(n)).length);
        // The last error is the handler's, unless the victim died holding a permanent failure's
        // last attempt: that try counts, and the next fetch finds no attempt left.
        const exhausted = dead.filter((entry) => entry.lastError?.code === 'ATTEMPTS_EXHAUSTED').length;
        for (const entry of dead) expect(['E_PERMANENT', 'ATTEMPTS_EXHAUSTED']).toContain(entry.lastError?.code);
        expect(exhausted).toBeLessThanOrEqual(8); // the victim's concurrency
        if (engine === 'pg-boss') {
          // Exactly once: effects commit in the job's own transaction.
          expect(twice).toBe(0);
        } else {
          // At-least-once: a second run only where the killed worker's run had written its effect.
          expect(twiceByVictim).toBe(twice);
        }
      } finally {
        await inbox.close();
      }
    } finally {
      await Promise.all(processes.map((p) => p.stop()));
    }
  }

  it('pg-boss: every unique delivery written exactly once through its transaction, or dead-lettered; none missing', async () => {
    await prove('pg-boss');
  }, 240_000);

  it.runIf(redisUp)(
    'BullMQ: every unique delivery written at least once or dead-lettered; each double run traced to the killed worker',
    async () => {
      await prove('bullmq');
    },
    240_000,
  );
});

async function adminInbox(engine: string, queue: string, schema: string, prefix: string) {
  if (engine === 'pg-boss') {
    const { createPgBossInbox } = await import('@armalo-webhooks/pg-boss');
    return createPgBossInbox({ connectionString: DATABASE_URL, max: 2 }, { schema, queue, onError: false });
  }
  const { createBullMQInbox } = await import('@armalo-webhooks/bullmq');
  return createBullMQInbox({ connection: REDIS_URL, prefix, queue, onError: false, stalledIntervalMs: 1_000 });
}
