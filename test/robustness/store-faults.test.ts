import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { IdempotencyStore, WebhookResult } from '@armalo-webhooks/core';
import { createPostgresStore } from '@armalo-webhooks/postgres';
import { createRedisStore } from '@armalo-webhooks/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  delivery,
  expectTableAnswer,
  post,
  probeReceiver,
  recordText,
  SECRET,
  sleep,
} from './harness.js';
import {
  closedPort,
  DATABASE_URL,
  postgresAvailable,
  REDIS_URL,
  redisAvailable,
  type StallProxy,
  startStallProxy,
} from './services.js';

/**
 * The fault rows against the real stores: the same answers as with the memory store, and
 * nothing lost or run twice, when the store is Redis or PostgreSQL and the store or the process
 * fails. Each store is reached through a TCP proxy, so that one client's connection can stall
 * without pausing a server other suites share.
 */
const LEASE_MS = 800;
const STORE_TIMEOUT_MS = 300;
const id = () => randomBytes(6).toString('hex');

interface Connected {
  store: IdempotencyStore;
  close(): Promise<void>;
}

interface Variant {
  name: string;
  up: boolean;
  target: { host: string; port: number };
  setup(): Promise<void>;
  teardown(): Promise<void>;
  /** A store whose connections go to 127.0.0.1:port (the proxy, or a closed port). */
  connect(port: number): Connected;
  /** Environment for store-child.mjs, sharing this variant's keys. */
  childEnv(): Record<string, string>;
}

const redisUrl = new URL(REDIS_URL);
const pgUrl = new URL(DATABASE_URL);
const prefix = `armalo-robustness:${id()}:`;
const table = `armalo_robustness_${id()}`;
let admin: Redis | undefined;
let adminPool: pg.Pool | undefined;

const variants: Variant[] = [
  {
    name: 'Redis (ioredis)',
    up: await redisAvailable(),
    target: { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
    async setup() {
      admin = new Redis(REDIS_URL);
    },
    async teardown() {
      let cursor = '0';
      do {
        const [next, keys] = (await admin?.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000)) ?? ['0', []];
        cursor = next;
        if (keys.length > 0) await admin?.del(...keys);
      } while (cursor !== '0');
      admin?.disconnect();
    },
    connect(port) {
      const client = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 100 });
      const store = createRedisStore({
        client,
        keyPrefix: prefix,
        onClientError: () => {},
      });
      return { store, close: async () => client.disconnect() };
    },
    childEnv: () => ({ STORE: 'redis', STORE_URL: REDIS_URL, KEY_PREFIX: prefix }),
  },
  {
    name: 'PostgreSQL (pg Pool)',
    up: await postgresAvailable(),
    target: { host: pgUrl.hostname, port: Number(pgUrl.port || 5432) },
    async setup() {
      adminPool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
      await createPostgresStore({ pool: adminPool, table }).migrate();
    },
    async teardown() {
      await adminPool?.query(`DROP TABLE IF EXISTS ${table}`);
      await adminPool?.end();
    },
    connect(port) {
      const url = new URL(DATABASE_URL);
      url.hostname = '127.0.0.1';
      url.port = String(port);
      const pool = new pg.Pool({ connectionString: url.toString(), max: 4, connectionTimeoutMillis: 1_000 });
      const store = createPostgresStore({ pool, table, onPoolError: () => {} });
      return { store, close: () => pool.end().catch(() => {}) };
    },
    childEnv: () => ({ STORE: 'postgres', STORE_URL: DATABASE_URL, STORE_TABLE: table }),
  },
];

afterAll(() => assertNoLeaks());

const code = (result: { body: unknown }) => (result.body as { code?: string }).code;

/** Sends a delivery until it is answered 2xx (or the deadline passes), returning every status. */
async function untilAcknowledged(send: () => Promise<{ status: number }>, deadlineMs: number): Promise<number[]> {
  const statuses: number[] = [];
  const deadline = Date.now() + deadlineMs;
  while (Date.now() < deadline) {
    const { status } = await send();
    statuses.push(status);
    if (status >= 200 && status < 300) return statuses;
    await sleep(100);
  }
  return statuses;
}

describe.each(variants.filter((v) => v.up).map((v) => [v.name, v] as const))('store faults: %s', (_name, variant) => {
  let proxy: StallProxy;
  let connected: Connected;
  beforeAll(async () => {
    await variant.setup();
    proxy = await startStallProxy(variant.target.host, variant.target.port);
    connected = variant.connect(proxy.port);
  });
  afterAll(async () => {
    proxy.resume();
    await connected?.close();
    await proxy?.close();
    await variant.teardown();
  });

  const receive = async (probe: ReturnType<typeof probeReceiver>, d: ReturnType<typeof delivery>) => {
    const result: WebhookResult = await probe.receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
    expectTableAnswer(result);
    return result;
  };

  it('a handler that throws: 500, the key is released in the store, the retry runs once, then duplicate', async () => {
    let failures = 1;
    const probe = probeReceiver(
      { idempotency: { store: connected.store, leaseMs: 30_000, timeoutMs: STORE_TIMEOUT_MS } },
      () => {
        if (failures-- > 0) throw new Error('handler failed');
      },
    );
    const d = delivery('pact.violated', { id: id() });
    expect(code(await receive(probe, d))).toBe('HANDLER_FAILED');
    // Released, not leased: the retry is processed at once, not after the 30 s lease.
    expect((await receive(probe, d)).body).toEqual({ ok: true });
    expect((await receive(probe, d)).body).toEqual({ ok: true, duplicate: true });
    expect(probe.calls).toEqual(['pact.violated', 'pact.violated']);
  });

  it('an unreachable server: 503 within the store timeout, nothing runs, the failure is reported', async () => {
    const down = variant.connect(await closedPort());
    try {
      const probe = probeReceiver({
        idempotency: { store: down.store, leaseMs: LEASE_MS, timeoutMs: STORE_TIMEOUT_MS },
      });
      const started = Date.now();
      const result = await receive(probe, delivery('pact.violated', { id: id() }));
      expect(result.status).toBe(503);
      expect(code(result)).toBe('IDEMPOTENCY_STORE_UNAVAILABLE');
      expect(result.headers['retry-after']).toBe('5');
      expect(Date.now() - started).toBeLessThan(3_000);
      expect(probe.calls).toEqual([]);
      expect(probe.lines.some((l) => l.startsWith('onError IDEMPOTENCY_STORE_UNAVAILABLE 503'))).toBe(true);
    } finally {
      await down.close();
    }
  });

  it('the store stalls during the claim: 503 after its timeout; the late claim only delays the retry, which runs once', async () => {
    const probe = probeReceiver({
      idempotency: { store: connected.store, leaseMs: LEASE_MS, timeoutMs: STORE_TIMEOUT_MS },
    });
    const d = delivery('pact.violated', { id: id() });
    proxy.stall();
    const stalled = await receive(probe, d);
    expect(stalled.status).toBe(503);
    expect(code(stalled)).toBe('IDEMPOTENCY_STORE_UNAVAILABLE');
    expect(probe.calls).toEqual([]);
    // The held claim reaches the server now and takes a lease nobody will complete or release
    // (the store call had already timed out): the retry waits for that lease, then runs once.
    proxy.resume();
    const statuses = await untilAcknowledged(() => receive(probe, d), 10_000);
    expect(statuses.at(-1)).toBe(200);
    expect(statuses.every((s) => s === 200 || s === 409 || s === 503)).toBe(true);
    expect((await receive(probe, d)).body).toEqual({ ok: true, duplicate: true });
    expect(probe.calls).toEqual(['pact.violated']);
  });

  it('the store stalls while completing: 200 after its timeout (the work is done), and the retry never runs it again', async () => {
    let stallNext = true;
    const probe = probeReceiver(
      { idempotency: { store: connected.store, leaseMs: LEASE_MS, timeoutMs: STORE_TIMEOUT_MS } },
      () => {
        // The handler ran; stall the store before the receiver completes the key.
        if (stallNext) proxy.stall();
        stallNext = false;
      },
    );
    const d = delivery('pact.violated', { id: id() });
    const first = await receive(probe, d);
    expect(first.body).toEqual({ ok: true });
    expect(probe.lines.some((l) => l.startsWith('onError IDEMPOTENCY_STORE_UNAVAILABLE'))).toBe(true);
    proxy.resume();
    const statuses = await untilAcknowledged(() => receive(probe, d), 10_000);
    expect(statuses.at(-1)).toBe(200);
    expect((await receive(probe, d)).body).toEqual({ ok: true, duplicate: true });
    expect(probe.calls).toEqual(['pact.violated']);
  });

  it('the process is killed mid-handler: the retry on another process is held off, then runs once the lease expires', async () => {
    const hanging = await startChild({ ...variant.childEnv(), HANG: '1' });
    const healthy = await startChild(variant.childEnv());
    try {
      const deliveryId = id();
      const d = delivery('pact.violated', { id: deliveryId });
      void post(`http://127.0.0.1:${hanging.port}/webhooks/armalo`, d.body, d.headers).catch(() => {});
      await hanging.waitFor((m) => m.type === 'in-handler' && m.id === deliveryId);
      const killedAt = Date.now();
      hanging.child.kill('SIGKILL');
      await hanging.exited;
      const url = `http://127.0.0.1:${healthy.port}/webhooks/armalo`;
      const early = await post(url, d.body, d.headers);
      if (Date.now() - killedAt < LEASE_MS - 200) {
        expect(early.status).toBe(409);
        expect(code(early)).toBe('DELIVERY_IN_PROGRESS');
      }
      const statuses = await untilAcknowledged(() => post(url, d.body, d.headers), 10_000);
      expect(statuses.at(-1)).toBe(200);
      expect(Date.now() - killedAt).toBeGreaterThanOrEqual(LEASE_MS - 100);
      expect((await post(url, d.body, d.headers)).body).toEqual({ ok: true, duplicate: true });
      expect(healthy.messages.filter((m) => m.type === 'handled' && m.id === deliveryId)).toHaveLength(1);
    } finally {
      hanging.child.kill('SIGKILL');
      healthy.child.kill('SIGKILL');
      for (const p of [hanging, healthy]) for (const m of p.messages) recordText(JSON.stringify(m));
    }
  });
});

interface Child {
  child: ChildProcess;
  port: number;
  messages: Record<string, unknown>[];
  exited: Promise<void>;
  waitFor(match: (m: Record<string, unknown>) => boolean): Promise<void>;
}

async function startChild(env: Record<string, string>): Promise<Child> {
  const child = spawn(process.execPath, [fileURLToPath(new URL('./store-child.mjs', import.meta.url))], {
    env: { ...process.env, SECRET, LEASE_MS: String(LEASE_MS), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const messages: Record<string, unknown>[] = [];
  const wakers = new Set<() => void>();
  child.stderr?.on('data', (chunk: Buffer) => recordText(chunk.toString()));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    recordText(line);
    try {
      messages.push(JSON.parse(line));
    } catch {
      return;
    }
    for (const wake of wakers) wake();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const waitFor = (match: (m: Record<string, unknown>) => boolean) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`child did not say it in 15 s: ${JSON.stringify(messages)}`)),
        15_000,
      );
      const check = () => {
        if (!messages.some(match)) return;
        clearTimeout(timer);
        wakers.delete(check);
        resolve();
      };
      wakers.add(check);
      check();
    });
  await waitFor((m) => m.type === 'listening');
  const port = messages.find((m) => m.type === 'listening')?.port as number;
  return { child, port, messages, exited, waitFor };
}
