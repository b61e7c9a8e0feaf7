import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createPostgresStore } from '@armalo-webhooks/postgres';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveAgent, type PostOutcome, post, type ReceiverProcess, startReceiver } from './processes.js';
import {
  DATABASE_URL,
  deleteRedisKeys,
  postgresAvailable,
  REDIS_URL,
  randomId,
  redisAvailable,
  sleep,
} from './servers.js';

// Two receiver processes share one store; a driver sends every delivery until it is acknowledged;
// handlers record each success in PostgreSQL with a plain INSERT (no unique constraint), so a
// delivery processed twice would show up as two rows.

const SECRET = 'whsec_multi_process_proof';
const DELIVERIES = 10_000;
/** Driver workers; a worker sending one delivery to both receivers at once has two requests out. */
const WORKERS = 16;
/** A bound, not a target: alone on 2 cores each load test takes 30-40 s. */
const LOAD_DEADLINE_MS = 140_000;

const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();

type Delivery = { body: string; headers: Record<string, string> };

function delivery(deliveryId: string | number, extra: Record<string, unknown> = {}): Delivery {
  return createSignedDelivery(
    'score.changed',
    { ...sampleData('score.changed'), deliveryId, ...extra },
    { secret: SECRET },
  );
}

interface Variant {
  name: string;
  enabled: boolean;
  /** Environment for the two receivers, given a fresh tag for this test's data. */
  receivers(tag: string): [Record<string, string>, Record<string, string>];
  prepare(tag: string): Promise<void>;
}

describe.runIf(postgresUp)('exactly-once across two receiver processes', () => {
  const schema = `armalo_mp_${randomId()}`;
  const redisPrefix = `armalo-test:mp:${randomId()}:`;
  let db: pg.Pool;

  beforeAll(async () => {
    db = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    await db.query(`CREATE SCHEMA "${schema}"`);
  });

  afterAll(async () => {
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.end();
    if (redisUp) {
      const client = new Redis(REDIS_URL);
      await deleteRedisKeys(client, redisPrefix);
      client.disconnect();
    }
  });

  const common = (tag: string, name: string) => ({
    SECRET,
    NAME: name,
    RESULTS_URL: DATABASE_URL,
    RESULTS_TABLE: `"${schema}"."results_${tag}"`,
  });

  const variants: Variant[] = [
    {
      name: 'on Redis (one process on ioredis, the other on node-redis)',
      enabled: redisUp,
      receivers: (tag) => [
        {
          ...common(tag, 'A'),
          STORE: 'redis',
          REDIS_CLIENT: 'ioredis',
          STORE_URL: REDIS_URL,
          KEY_PREFIX: `${redisPrefix}${tag}:`,
        },
        {
          ...common(tag, 'B'),
          STORE: 'redis',
          REDIS_CLIENT: 'node-redis',
          STORE_URL: REDIS_URL,
          KEY_PREFIX: `${redisPrefix}${tag}:`,
        },
      ],
      prepare: async () => {},
    },
    {
      name: 'on PostgreSQL',
      enabled: true,
      receivers: (tag) => [
        {
          ...common(tag, 'A'),
          STORE: 'postgres',
          STORE_URL: DATABASE_URL,
          STORE_TABLE: `${schema}.idempotency_${tag}`,
        },
        {
          ...common(tag, 'B'),
          STORE: 'postgres',
          STORE_URL: DATABASE_URL,
          STORE_TABLE: `${schema}.idempotency_${tag}`,
        },
      ],
      prepare: async (tag) => {
        await createPostgresStore({ pool: db, table: `${schema}.idempotency_${tag}`, onPoolError: false }).migrate();
      },
    },
  ];

  async function setUp(variant: Variant, extra: [Record<string, string>, Record<string, string>]) {
    const tag = randomId();
    await db.query(`CREATE TABLE "${schema}"."results_${tag}" (delivery_id text NOT NULL, receiver text NOT NULL)`);
    await variant.prepare(tag);
    const [envA, envB] = variant.receivers(tag);
    const receivers = await Promise.all([
      startReceiver({ ...envA, ...extra[0] }),
      startReceiver({ ...envB, ...extra[1] }),
    ]);
    const rows = async (where = 'true') =>
      (await db.query(`SELECT delivery_id, receiver FROM "${schema}"."results_${tag}" WHERE ${where}`)).rows as {
        delivery_id: string;
        receiver: string;
      }[];
    return { receivers, rows };
  }

  for (const variant of variants) {
    describe.runIf(variant.enabled)(variant.name, () => {
      const running: ReceiverProcess[] = [];
      afterAll(async () => {
        await Promise.all(running.map((receiver) => receiver.stop()));
      });

      it(`records each of ${DELIVERIES.toLocaleString('en')} deliveries exactly once: 20% sent twice, 10% to both processes at once, 5% of handler runs failing`, async () => {
        const { receivers, rows } = await setUp(variant, [{ FAIL_RATE: '0.05' }, { FAIL_RATE: '0.05' }]);
        running.push(...receivers);
        const agent = keepAliveAgent(WORKERS);
        const stats = { acknowledged: 0, duplicate: 0, inProgress: 0, handlerFailed: 0, other: 0, networkErrors: 0 };
        const otherAnswers = new Map<string, number>();
        const deadline = Date.now() + LOAD_DEADLINE_MS;

        /** Sends until a 2xx, as a webhook sender does; retries alternate between the receivers. */
        async function deliverUntilAcknowledged(body: Delivery, first: number): Promise<void> {
          for (let attempt = 0; ; attempt++) {
            if (Date.now() > deadline) throw new Error(`not acknowledged within ${LOAD_DEADLINE_MS} ms`);
            const receiver = receivers[(first + attempt) % 2] as ReceiverProcess;
            const outcome: PostOutcome = await post(agent, receiver.port, body);
            if ('error' in outcome) {
              stats.networkErrors++;
              await sleep(10);
              continue;
            }
            if (outcome.status >= 200 && outcome.status < 300) {
              if (outcome.body.duplicate === true) stats.duplicate++;
              else stats.acknowledged++;
              return;
            }
            if (outcome.status === 409 && outcome.body.code === 'DELIVERY_IN_PROGRESS') {
              stats.inProgress++;
              // The sender would wait Retry-After (whole seconds); a short pause keeps the test short.
              await sleep(Math.min(2 + attempt * 2, 50));
            } else if (outcome.status === 500 && outcome.body.code === 'HANDLER_FAILED') {
              stats.handlerFailed++;
            } else {
              stats.other++;
              const label = `${outcome.status} ${String(outcome.body.code)}`;
              otherAnswers.set(label, (otherAnswers.get(label) ?? 0) + 1);
              await sleep(20);
            }
          }
        }

        const started = Date.now();
        let next = 0;
        await Promise.all(
          Array.from({ length: WORKERS }, async () => {
            while (next < DELIVERIES) {
              const i = next++;
              const body = delivery(i);
              if (i % 10 === 0) {
                // The same delivery to both processes at the same moment.
                await Promise.all([deliverUntilAcknowledged(body, 0), deliverUntilAcknowledged(body, 1)]);
              } else if (i % 10 === 5) {
                // A redelivery after the first was acknowledged, to the other process.
                await deliverUntilAcknowledged(body, i % 2);
                await deliverUntilAcknowledged(body, (i + 1) % 2);
              } else {
                await deliverUntilAcknowledged(body, i % 2);
              }
            }
          }),
        );
        agent.destroy();
        const seconds = (Date.now() - started) / 1000;
        console.log(
          `multi-process ${variant.name}: ${DELIVERIES} deliveries in ${seconds.toFixed(1)} s`,
          JSON.stringify({ ...stats, otherAnswers: Object.fromEntries(otherAnswers) }),
        );

        const recorded = await rows();
        const perDelivery = new Map<string, number>();
        for (const row of recorded) perDelivery.set(row.delivery_id, (perDelivery.get(row.delivery_id) ?? 0) + 1);
        const twice = [...perDelivery].filter(([, count]) => count > 1);
        expect(twice).toEqual([]);
        expect(recorded).toHaveLength(DELIVERIES);
        expect([...perDelivery.keys()].sort()).toEqual(Array.from({ length: DELIVERIES }, (_, i) => String(i)).sort());
        // Every copy was acknowledged: one first-time acknowledgement per delivery, a duplicate for each second copy.
        expect(stats.acknowledged).toBe(DELIVERIES);
        expect(stats.duplicate).toBe(DELIVERIES / 5);
        // The interesting paths were all taken.
        expect(stats.handlerFailed).toBeGreaterThan(0);
        expect(stats.inProgress).toBeGreaterThan(0);
        expect(recorded.filter((row) => row.receiver === 'A').length).toBeGreaterThan(DELIVERIES / 4);
        expect(recorded.filter((row) => row.receiver === 'B').length).toBeGreaterThan(DELIVERIES / 4);
        await Promise.all(receivers.map((receiver) => receiver.stop()));
      }, 170_000);

      it('after one process is SIGKILLed mid-handler, the retry on the other runs once its lease expires, and is recorded once', async () => {
        const leaseMs = 1_500;
        const { receivers, rows } = await setUp(variant, [
          { LEASE_MS: String(leaseMs), HANG: '1' },
          { LEASE_MS: String(leaseMs) },
        ]);
        running.push(...receivers);
        const [doomed, survivor] = receivers as [ReceiverProcess, ReceiverProcess];
        const agent = keepAliveAgent(2);
        const body = delivery('crash', { mode: 'hang' });

        const inFlight = post(agent, doomed.port, body);
        await doomed.waitFor((message) => message.hanging === 'crash');
        const killedAt = Date.now();
        doomed.child.kill('SIGKILL');
        expect(await inFlight).toHaveProperty('error');

        const answers: PostOutcome[] = [];
        for (;;) {
          const outcome = await post(agent, survivor.port, body);
          answers.push(outcome);
          if ('status' in outcome && outcome.status === 200) break;
          if (Date.now() - killedAt > leaseMs + 15_000)
            throw new Error(`never acknowledged: ${JSON.stringify(answers)}`);
          await sleep(100);
        }
        const elapsed = Date.now() - killedAt;
        // While the dead process's lease lasted, the retry was told to come back later ...
        expect(answers[0]).toMatchObject({ status: 409, body: { code: 'DELIVERY_IN_PROGRESS' } });
        expect(answers.slice(0, -1).every((a) => 'status' in a && a.status === 409)).toBe(true);
        // ... and once it ended, the retry ran the handler (not answered as a duplicate).
        expect(answers.at(-1)).toEqual({ status: 200, body: { ok: true } });
        expect(elapsed).toBeGreaterThan(leaseMs / 2);
        expect(await rows(`delivery_id = 'crash'`)).toEqual([{ delivery_id: 'crash', receiver: 'B' }]);

        const again = await post(agent, survivor.port, body);
        expect(again).toEqual({ status: 200, body: { ok: true, duplicate: true } });
        expect(await rows(`delivery_id = 'crash'`)).toHaveLength(1);
        agent.destroy();
        await Promise.all(receivers.map((receiver) => receiver.stop()));
      }, 60_000);
    });
  }
});
