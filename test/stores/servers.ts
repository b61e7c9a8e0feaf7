import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';

export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A short random suffix for key prefixes, table and schema names. */
export function randomId(): string {
  return randomBytes(6).toString('hex');
}

async function probeRedis(): Promise<string | undefined> {
  const client = new Redis(REDIS_URL, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
  });
  // ioredis rejects connect() with a bare "Connection is closed"; the cause arrives as an 'error' event.
  let cause: Error | undefined;
  client.on('error', (error: Error) => {
    cause ??= error;
  });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return (cause ?? error) instanceof Error ? (cause ?? (error as Error)).message : String(error);
  } finally {
    client.disconnect();
  }
}

async function probePostgres(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 2_000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || String(error) : String(error);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Whether the server is reachable. With CI set an unreachable server is an error (the suite
 * must fail, not pass silently); without it the suite is skipped with one line saying why.
 */
async function requireServer(name: string, url: string, probe: () => Promise<string | undefined>): Promise<boolean> {
  const problem = await probe();
  if (problem === undefined) return true;
  const message = `${name} at ${url} is unreachable (${problem})`;
  if (process.env.CI) throw new Error(`${message}; CI is set, so the ${name} suites fail instead of skipping`);
  console.log(`skipping ${name} store suites: ${message}; set CI to make this a failure`);
  return false;
}

export const redisAvailable = (): Promise<boolean> => requireServer('Redis', REDIS_URL, probeRedis);
export const postgresAvailable = (): Promise<boolean> => requireServer('PostgreSQL', DATABASE_URL, probePostgres);

/** Deletes every key under `prefix` (SCAN, never KEYS, so a shared server is not blocked). */
export async function deleteRedisKeys(client: Redis, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix.replace(/[*?[\]\\]/g, '\\$&')}*`, 'COUNT', 1000);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
