import { createServer, type Server, type Socket } from 'node:net';
import { createWebhookReceiver, type IdempotencyStore, type WebhookError } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createPostgresStore } from '@armalo-webhooks/postgres';
import { createRedisStore } from '@armalo-webhooks/redis';
import { Redis } from 'ioredis';
import pg from 'pg';
import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { keepAliveAgent, post, startReceiver } from './processes.js';

// No server needed: these point clients at a closed port (127.0.0.1:1) or at a listener that
// accepts connections and never answers. The receiver must answer 503 promptly, the process
// must stay up, and 'fail-open' must run the handler anyway.

const SECRET = 'whsec_store_failure';
const CLOSED = 'redis://127.0.0.1:1';
const TIMEOUT_MS = 300;
/** Far above TIMEOUT_MS: a liveness bound (the answer comes at all, without waiting on reconnects), not a benchmark. */
const ANSWER_WITHIN_MS = 5_000;

/** Accepts TCP connections and never writes a byte: a server that hangs. */
let silent: Server;
let silentPort: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  silentPort = (silent.address() as { port: number }).port;
});

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

interface Broken {
  store: IdempotencyStore;
  errors: Error[];
  close(): Promise<void> | void;
}

const cases: [string, () => Promise<Broken> | Broken][] = [
  [
    'ioredis, server refusing connections',
    () => {
      const errors: Error[] = [];
      const client = new Redis(CLOSED);
      return {
        store: createRedisStore({ client, onClientError: (e) => errors.push(e) }),
        errors,
        close: () => client.disconnect(),
      };
    },
  ],
  [
    'ioredis, server not answering',
    () => {
      const errors: Error[] = [];
      const client = new Redis({ host: '127.0.0.1', port: silentPort, connectTimeout: 60_000 });
      return {
        store: createRedisStore({ client, onClientError: (e) => errors.push(e) }),
        errors,
        close: () => client.disconnect(),
      };
    },
  ],
  [
    'node-redis, server refusing connections',
    () => {
      const errors: Error[] = [];
      const client = createClient({ url: CLOSED, socket: { reconnectStrategy: 50 } });
      const store = createRedisStore({ client, onClientError: (e) => errors.push(e) });
      client.connect().catch(() => {});
      return { store, errors, close: () => client.destroy() };
    },
  ],
  [
    'node-redis, never connected',
    () => {
      const errors: Error[] = [];
      const client = createClient({ url: CLOSED });
      return {
        store: createRedisStore({ client, onClientError: (e) => errors.push(e) }),
        errors,
        close: () => {},
      };
    },
  ],
  [
    'node-redis, server not answering',
    () => {
      const errors: Error[] = [];
      const client = createClient({ socket: { host: '127.0.0.1', port: silentPort, connectTimeout: 60_000 } });
      const store = createRedisStore({ client, onClientError: (e) => errors.push(e) });
      client.connect().catch(() => {});
      return { store, errors, close: () => client.destroy() };
    },
  ],
  [
    'pg, server refusing connections',
    () => {
      const errors: Error[] = [];
      const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
      return {
        store: createPostgresStore({ pool, onPoolError: (e) => errors.push(e) }),
        errors,
        close: () => pool.end(),
      };
    },
  ],
  [
    'pg, server not answering',
    () => {
      const errors: Error[] = [];
      const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${silentPort}/test` });
      return {
        store: createPostgresStore({ pool, onPoolError: (e) => errors.push(e) }),
        errors,
        // pool.end() would wait for the hung connection attempt; the listener's sockets are destroyed in afterAll.
        close: () => {},
      };
    },
  ],
];

function receiverWith(store: IdempotencyStore, onStoreError?: 'fail-open') {
  const reported: WebhookError[] = [];
  let handled = 0;
  const receiver = createWebhookReceiver({
    secret: SECRET,
    // The receiver owns the timeout on store calls; stores have none of their own.
    idempotency: { store, timeoutMs: TIMEOUT_MS, ...(onStoreError ? { onStoreError } : {}) },
    onError: (error) => {
      reported.push(error);
    },
  });
  receiver.on('score.changed', () => {
    handled++;
  });
  return { receiver, reported, handled: () => handled };
}

const delivery = () =>
  createSignedDelivery('score.changed', { ...sampleData('score.changed'), nonce: Math.random() }, { secret: SECRET });

describe.each(cases)('a store whose server is down: %s', (_name, make) => {
  let broken: Broken;
  beforeAll(async () => {
    broken = await make();
  });
  afterAll(async () => {
    await broken.close();
  });

  it('makes the receiver answer IDEMPOTENCY_STORE_UNAVAILABLE promptly and run nothing (fail closed)', async () => {
    const { receiver, reported, handled } = receiverWith(broken.store);
    for (let i = 0; i < 3; i++) {
      const { body, headers } = delivery();
      const started = Date.now();
      const result = await receiver.receive({ rawBody: body, headers, method: 'POST' });
      expect(Date.now() - started).toBeLessThan(ANSWER_WITHIN_MS);
      expect(result.body).toMatchObject({ code: 'IDEMPOTENCY_STORE_UNAVAILABLE' });
    }
    expect(handled()).toBe(0);
    expect(reported.map((error) => error.code)).toEqual(Array(3).fill('IDEMPOTENCY_STORE_UNAVAILABLE'));
  });

  it("runs the handler anyway with onStoreError: 'fail-open'", async () => {
    const { receiver, reported, handled } = receiverWith(broken.store, 'fail-open');
    const { body, headers } = delivery();
    const result = await receiver.receive({ rawBody: body, headers, method: 'POST' });
    expect(result).toMatchObject({ body: { ok: true } });
    expect(handled()).toBe(1);
    expect(reported.map((error) => error.code)).toEqual(['IDEMPOTENCY_STORE_UNAVAILABLE']);
  });
});

describe('connection errors never crash the process', () => {
  it('node-redis: a client with no listener of its own is kept alive by the store', async () => {
    const client = createClient({ url: CLOSED, socket: { reconnectStrategy: 20 } });
    const seen: Error[] = [];
    createRedisStore({ client, onClientError: (e) => seen.push(e) });
    client.connect().catch(() => {});
    await expect.poll(() => seen.length, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    expect(seen[0]?.message).toMatch(/ECONNREFUSED/);
    client.destroy();
  });

  it('pg: an idle connection dying does not throw from the pool', () => {
    const pool = new pg.Pool({ connectionString: 'postgres://postgres@127.0.0.1:1/test' });
    const seen: Error[] = [];
    createPostgresStore({ pool, onPoolError: (e) => seen.push(e) });
    expect(() => pool.emit('error', new Error('terminating connection due to administrator command'))).not.toThrow();
    expect(seen).toHaveLength(1);
  });

  it('a listener that throws is contained', () => {
    const client = createClient({ url: CLOSED });
    createRedisStore({
      client,
      onClientError: () => {
        throw new Error('bad listener');
      },
    });
    expect(() => client.emit('error', new Error('boom'))).not.toThrow();
  });

  it.each([
    ['ioredis', { STORE: 'redis', REDIS_CLIENT: 'ioredis', STORE_URL: CLOSED }],
    ['node-redis', { STORE: 'redis', REDIS_CLIENT: 'node-redis', STORE_URL: CLOSED }],
    ['pg', { STORE: 'postgres', STORE_URL: 'postgres://postgres@127.0.0.1:1/test' }],
  ])(
    'a receiver process on %s with its server down answers IDEMPOTENCY_STORE_UNAVAILABLE and stays up',
    async (_name, env) => {
      const receiver = await startReceiver({ ...env, SECRET, STORE_TIMEOUT_MS: String(TIMEOUT_MS) });
      const agent = keepAliveAgent(1);
      try {
        for (let i = 0; i < 3; i++) {
          expect(await post(agent, receiver.port, delivery())).toMatchObject({
            body: { code: 'IDEMPOTENCY_STORE_UNAVAILABLE' },
          });
          // Let the client fail a few reconnects in between.
          await new Promise((resolve) => setTimeout(resolve, 300));
        }
        expect(receiver.child.exitCode).toBeNull();
        expect(receiver.child.signalCode).toBeNull();
      } finally {
        agent.destroy();
        await receiver.stop();
      }
    },
  );
});
