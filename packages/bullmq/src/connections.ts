import { Redis, type RedisOptions } from 'ioredis';

/**
 * Where the inbox's Redis is: a URL, ioredis options, or an ioredis client (the inbox makes its own
 * connections from it with `duplicate()`, so your client's settings stay yours).
 *
 * @example
 * ```ts
 * const connection: BullMQConnection = 'redis://127.0.0.1:6379';
 * ```
 */
export type BullMQConnection = string | RedisOptions | Redis;

// ioredis 6 declares `replyMapping?: Mode | undefined` in `RedisOptions` but `replyMapping?: Mode` in its
// constructor, which `exactOptionalPropertyTypes` tells apart; the values are the same.
type ConstructorOptions = RedisOptions & { replyMapping?: 'legacy' };

function create(connection: BullMQConnection, overrides: RedisOptions): Redis {
  if (connection instanceof Redis) return connection.duplicate(overrides);
  if (typeof connection === 'string') return new Redis(connection, overrides as ConstructorOptions);
  return new Redis({ ...connection, ...overrides } as ConstructorOptions);
}

/**
 * The web side's connection fails fast: with Redis down a command is refused at once instead of
 * waiting in ioredis's offline queue, and a frozen Redis times out, so the receiver answers 503
 * within its budget rather than hanging the sender. A connection that stays silent while a
 * command waits (a failover, or a load balancer or NAT that dropped its state: the socket looks
 * open and nothing comes back) is destroyed after the same time and made again; TCP keepalive
 * finds a peer that vanished while idle.
 */
export function webConnection(connection: BullMQConnection, commandTimeoutMs: number): Redis {
  return create(connection, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    socketTimeout: commandTimeoutMs,
    keepAlive: 10_000,
    retryStrategy: (times) => Math.min(times * 100, 1000),
  });
}

/** BullMQ workers block on Redis and must wait out a reconnect, hence no per-request retry limit. */
export function workerConnection(connection: BullMQConnection): Redis {
  return create(connection, { maxRetriesPerRequest: null });
}

/**
 * Resolves once `client` is ready (or at once if it is), rejects on its first error meanwhile. A
 * connection that was lost and is reconnecting fails at once: the sender gets its 503 now, not
 * after the next reconnect attempt.
 */
export function whenReady(client: Redis): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  if (client.status === 'reconnecting' || client.status === 'end' || client.status === 'close') {
    return Promise.reject(new Error(`Redis connection is ${client.status}`));
  }
  return new Promise((resolve, reject) => {
    const onReady = () => {
      client.off('error', onError);
      resolve();
    };
    const onError = (error: Error) => {
      client.off('ready', onReady);
      reject(error);
    };
    client.once('ready', onReady);
    client.once('error', onError);
  });
}
