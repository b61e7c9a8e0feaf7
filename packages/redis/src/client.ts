import type { Script } from './scripts.js';

/**
 * The part of an ioredis client (`Redis` or `Cluster`, v5) the store uses.
 *
 * @example
 * ```ts
 * import { Redis } from 'ioredis';
 * const client: IoRedisClientLike = new Redis(process.env.REDIS_URL!);
 * ```
 */
export interface IoRedisClientLike {
  call(command: string, ...args: (string | number)[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * The part of a node-redis client (`createClient()`, v4 or v5) the store uses.
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const client: NodeRedisClientLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface NodeRedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/**
 * An ioredis or node-redis client. The store tells them apart by shape, so neither package is
 * imported and either can be left uninstalled.
 *
 * @example
 * ```ts
 * const client: RedisClientLike = new Redis(); // or: await createClient().connect()
 * ```
 */
export type RedisClientLike = IoRedisClientLike | NodeRedisClientLike;

/** Runs a script on one key (or several), whichever client it is. */
export type RunScript = (script: Script, key: string | readonly string[], args: string[]) => Promise<unknown>;

/**
 * Adapts either client to one call. EVALSHA first; on NOSCRIPT (a restarted or failed-over server
 * has an empty script cache) EVAL, which also caches the script for the next call.
 */
export function scriptRunner(client: RedisClientLike): RunScript {
  const send = commandSender(client);
  return async (script, key, args) => {
    const keys = typeof key === 'string' ? ['1', key] : [String(key.length), ...key];
    try {
      return await send(['EVALSHA', script.sha, ...keys, ...args]);
    } catch (error) {
      if (!isNoScript(error)) throw error;
      return send(['EVAL', script.source, ...keys, ...args]);
    }
  };
}

function commandSender(client: RedisClientLike): (args: string[]) => Promise<unknown> {
  const candidate = client as Partial<IoRedisClientLike & NodeRedisClientLike> & Record<string, unknown>;
  // ioredis also has a `sendCommand`, with a different signature, so `call` is tested first.
  if (typeof candidate.call === 'function') {
    const io = client as IoRedisClientLike;
    return (args) => io.call(args[0] as string, ...args.slice(1));
  }
  if (typeof candidate.sendCommand === 'function') {
    if ('masters' in candidate || typeof candidate.getMasters === 'function') {
      throw new TypeError(
        'armalo-webhooks/redis: node-redis cluster clients are not supported; pass an ioredis Cluster or a node-redis client',
      );
    }
    const node = client as NodeRedisClientLike;
    return (args) => node.sendCommand(args);
  }
  throw new TypeError('armalo-webhooks/redis: `client` must be an ioredis client or a node-redis client');
}

function isNoScript(error: unknown): boolean {
  return error instanceof Error && error.message.startsWith('NOSCRIPT');
}
