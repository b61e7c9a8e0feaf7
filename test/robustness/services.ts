import { once } from 'node:events';
import { type AddressInfo, connect, createServer, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import pg from 'pg';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether a server is reachable. With CI set an unreachable server fails the suite; without it
 * the suite is skipped with one visible line saying why (CONTRIBUTING.md).
 */
async function available(name: string, url: string, probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    const message = `${name} at ${url} is unreachable (${error instanceof Error ? error.message : String(error)})`;
    if (process.env.CI)
      throw new Error(`${message}; CI is set, so the robustness ${name} rows fail instead of skipping`);
    console.log(`skipping robustness ${name} rows: ${message}; set CI to make this a failure`);
    return false;
  }
}

export const redisAvailable = () =>
  available('Redis', REDIS_URL, async () => {
    const client = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });

export const postgresAvailable = () =>
  available('PostgreSQL', DATABASE_URL, async () => {
    const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
    client.on('error', () => {});
    try {
      await client.connect();
      await client.query('SELECT 1');
    } finally {
      await client.end().catch(() => {});
    }
  });

/**
 * A TCP proxy in front of a server, to make it stall for one client only (a shared Redis or
 * PostgreSQL is never paused for the other suites). While stalled, bytes from clients are held
 * and delivered on `resume()`, as a congested network or an overloaded server would.
 * `silenceExisting()` makes the connections open now half-open for good, as a failover or a load
 * balancer or NAT that dropped their state does: the sockets stay open and nothing passes either
 * way, while new connections work.
 */
export interface StallProxy {
  port: number;
  stall(): void;
  resume(): void;
  silenceExisting(): void;
  /** Connections accepted so far. */
  readonly accepted: number;
  close(): Promise<void>;
}

export async function startStallProxy(targetHost: string, targetPort: number): Promise<StallProxy> {
  let stalled = false;
  let accepted = 0;
  const held: [Socket, Buffer][] = [];
  const sockets = new Set<Socket>();
  const silenced = new WeakSet<Socket>();
  const server = createServer((client) => {
    accepted++;
    const upstream = connect(targetPort, targetHost);
    sockets.add(client);
    sockets.add(upstream);
    client.on('data', (chunk) => {
      if (silenced.has(client)) return;
      if (stalled) held.push([upstream, chunk]);
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk) => {
      if (!silenced.has(client)) client.write(chunk);
    });
    const end = () => {
      client.destroy();
      upstream.destroy();
      sockets.delete(client);
      sockets.delete(upstream);
    };
    client.on('close', end).on('error', end);
    upstream.on('close', end).on('error', end);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    stall() {
      stalled = true;
    },
    resume() {
      stalled = false;
      for (const [socket, chunk] of held.splice(0)) if (!socket.destroyed) socket.write(chunk);
    },
    silenceExisting() {
      for (const socket of sockets) silenced.add(socket);
    },
    get accepted() {
      return accepted;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      server.close();
      if (server.listening) await once(server, 'close');
    },
  };
}

/** A port with nothing listening on it: connections are refused at once. */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}
