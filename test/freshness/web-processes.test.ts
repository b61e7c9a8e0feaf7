import { fileURLToPath } from 'node:url';
import { createPostgresStore } from '@armalo-webhooks/postgres';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveAgent, post, type ReceiverProcess, startReceiver } from '../stores/processes.js';
import {
  DATABASE_URL,
  deleteRedisKeys,
  postgresAvailable,
  REDIS_URL,
  randomId,
  redisAvailable,
} from '../stores/servers.js';
import { account, buildPlan, formatAccounting, type HandlerRun, sendPlan } from './harness.js';

// The freshness guard's proof, web-process half: thousands of score deliveries for a few hundred
// agents, sent shuffled, with duplicates, delayed retries and transient handler failures, through
// two receiver processes sharing a store. The handlers overwrite each agent's state with no check
// of their own; the guard alone must leave every agent at its newest state.

const SECRET = 'whsec_freshness_proof';
const DELIVERIES = 3_000;
const KEYS = 200;
const DUPLICATE_RATE = 0.1;
const FAIL_RATE = 0.1;
const WORKERS = 16;
/** A bound, not a target. */
const DEADLINE_MS = 150_000;
const SEED = Number(process.env.FRESHNESS_SEED ?? 23);
const RECEIVER = fileURLToPath(new URL('./fixtures/fresh-receiver.mjs', import.meta.url));

const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();

describe.runIf(postgresUp)('the freshness guard across two web processes', () => {
  const schema = `armalo_fresh_${randomId()}`;
  const redisPrefix = `armalo-test:fresh:${randomId()}:`;
  let db: pg.Pool;
  let redis: Redis | undefined;
  const running: ReceiverProcess[] = [];

  beforeAll(async () => {
    db = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    await db.query(`CREATE SCHEMA "${schema}"`);
    if (redisUp) redis = new Redis(REDIS_URL);
  });

  afterAll(async () => {
    await Promise.all(running.map((receiver) => receiver.stop()));
    await db?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await db?.end();
    if (redis) {
      await deleteRedisKeys(redis, redisPrefix);
      redis.disconnect();
    }
  });

  async function run(
    title: string,
    env: (tag: string) => [Record<string, string>, Record<string, string>],
    finalState: (tag: string) => Promise<Map<string, number>>,
    prepare: (tag: string) => Promise<void>,
  ) {
    const tag = randomId();
    const runsTable = `"${schema}"."runs_${tag}"`;
    await db.query(
      `CREATE TABLE ${runsTable} (seq int NOT NULL, key text NOT NULL, ts bigint NOT NULL, state_seen bigint,
        watermark_seen bigint, succeeded boolean NOT NULL, receiver text NOT NULL)`,
    );
    await prepare(tag);
    const common = { SECRET, FAIL_RATE: String(FAIL_RATE), RUNS_URL: DATABASE_URL, RUNS_TABLE: runsTable };
    const [a, b] = env(tag);
    const receivers = await Promise.all([
      startReceiver({ ...common, NAME: 'A', ...a }, RECEIVER),
      startReceiver({ ...common, NAME: 'B', ...b }, RECEIVER),
    ]);
    running.push(...receivers);

    const plan = buildPlan({
      secret: SECRET,
      keys: KEYS,
      deliveries: DELIVERIES,
      duplicateRate: DUPLICATE_RATE,
      seed: SEED,
    });
    const agent = keepAliveAgent(WORKERS);
    // A retry goes to the other process: the two share nothing but the store.
    const tally = await sendPlan(
      plan,
      (delivery, attempt) => post(agent, (receivers[(delivery.seq + attempt) % 2] as ReceiverProcess).port, delivery),
      { workers: WORKERS, deadlineMs: DEADLINE_MS, seed: SEED },
    );
    agent.destroy();

    const runs: HandlerRun[] = (
      await db.query(`SELECT seq, key, ts, state_seen, watermark_seen, succeeded FROM ${runsTable}`)
    ).rows.map((row) => ({
      seq: row.seq,
      key: row.key,
      timestampMs: Number(row.ts),
      stateSeenMs: row.state_seen === null ? null : Number(row.state_seen),
      watermarkSeenMs: row.watermark_seen === null ? null : Number(row.watermark_seen),
      succeeded: row.succeeded,
    }));
    const accounting = account(plan, tally, runs, await finalState(tag));
    console.log(formatAccounting(`freshness proof, ${title} (seed ${SEED}):`, accounting));
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    return { accounting, tally };
  }

  async function prove(...args: Parameters<typeof run>) {
    const { accounting, tally } = await run(...args);
    expect(Object.fromEntries(tally.other)).toEqual({});
    expect(accounting.missing).toBe(0);
    expect(accounting.unaccounted).toBe(0);
    expect(accounting.olderThanWatermark).toBe(0);
    expect(accounting.wrongFinalState).toBe(0);
    expect(accounting.handled + accounting.duplicate + accounting.stale).toBe(accounting.copiesSent);
    // The run exercised what it claims to: staleness, duplicates and failures all happened.
    expect(accounting.stale).toBeGreaterThan(DELIVERIES / 4);
    expect(accounting.duplicate).toBeGreaterThan(0);
    expect(accounting.transientFailures).toBeGreaterThan(0);
    expect(tally.failedAnswers).toBe(accounting.transientFailures);
  }

  const postgresState = {
    env: (tag: string): [Record<string, string>, Record<string, string>] => {
      const shared = {
        STORE: 'postgres',
        STORE_URL: DATABASE_URL,
        STORE_TABLE: `${schema}.idempotency_${tag}`,
        STATE_TABLE: `"${schema}"."state_${tag}"`,
      };
      return [shared, shared];
    },
    finalState: async (tag: string) => {
      const { rows } = await db.query(`SELECT key, version FROM "${schema}"."state_${tag}"`);
      return new Map(rows.map((row) => [row.key as string, Number(row.version)]));
    },
    prepare: async (tag: string) => {
      await createPostgresStore({ pool: db, table: `${schema}.idempotency_${tag}`, onPoolError: false }).migrate();
      await db.query(
        `CREATE TABLE "${schema}"."state_${tag}" (key text PRIMARY KEY, version int NOT NULL, ts bigint NOT NULL)`,
      );
    },
  };

  it.runIf(redisUp)(
    `Redis store (ioredis and node-redis processes), state in a Redis hash: ${DELIVERIES} deliveries over ${KEYS} keys`,
    async () => {
      await prove(
        'Redis store, state in a Redis hash',
        (tag) => {
          const shared = { STORE: 'redis', STORE_URL: REDIS_URL, KEY_PREFIX: `${redisPrefix}${tag}:` };
          const hash = { STATE_HASH: `${redisPrefix}${tag}:state` };
          return [
            { ...shared, ...hash, REDIS_CLIENT: 'ioredis' },
            { ...shared, ...hash, REDIS_CLIENT: 'node-redis' },
          ];
        },
        async (tag) => {
          const state = await (redis as Redis).hgetall(`${redisPrefix}${tag}:state`);
          return new Map(Object.entries(state).map(([key, value]) => [key, Number(value.split(':')[0])]));
        },
        async () => {},
      );
    },
    DEADLINE_MS + 30_000,
  );

  it(
    `PostgreSQL store, state in a PostgreSQL table: ${DELIVERIES} deliveries over ${KEYS} keys`,
    async () => {
      await prove(
        'PostgreSQL store, state in a PostgreSQL table',
        postgresState.env,
        postgresState.finalState,
        postgresState.prepare,
      );
    },
    DEADLINE_MS + 30_000,
  );

  it(
    'the control: the same plan without the guard leaves agents at older states (what the proof would catch)',
    async () => {
      const { accounting } = await run(
        'the control, no guard (PostgreSQL store)',
        (tag) => {
          const [a, b] = postgresState.env(tag);
          return [
            { ...a, GUARD: 'off' },
            { ...b, GUARD: 'off' },
          ];
        },
        postgresState.finalState,
        postgresState.prepare,
      );
      expect(accounting.stale).toBe(0);
      expect(accounting.olderThanWatermark).toBeGreaterThan(0);
      expect(accounting.wrongFinalState).toBeGreaterThan(0);
    },
    DEADLINE_MS + 30_000,
  );
});
