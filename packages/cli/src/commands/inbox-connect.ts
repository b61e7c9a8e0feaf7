import type { Inbox } from '@armalo-webhooks/core';
import { CliError } from '../errors.js';

/** Where `armalo-webhooks inbox …` finds the inbox. */
export interface InboxTarget {
  postgres?: string;
  redis?: string;
  /** The directory of an embedded (PGlite) pg-boss inbox. */
  pglite?: string;
  queue?: string;
  schema?: string;
  prefix?: string;
}

/** Whether the options name an inbox at all. */
export function namesInbox(target: InboxTarget): boolean {
  return target.postgres !== undefined || target.redis !== undefined || target.pglite !== undefined;
}

/**
 * Opens the inbox named by `--postgres URL`, `--redis URL` or `--pglite DIR`. The engine packages
 * load only when asked for, so the other commands start without them.
 */
export async function openInbox(target: InboxTarget): Promise<Inbox> {
  const named = [target.postgres, target.redis, target.pglite].filter((value) => value !== undefined);
  if (named.length !== 1) throw new CliError('give exactly one of --postgres URL, --redis URL or --pglite DIR');
  const queue = target.queue ?? 'armalo-webhooks';
  if (target.postgres !== undefined || target.pglite !== undefined) {
    const { createPgBossInbox } = await import('@armalo-webhooks/pg-boss');
    const options = { queue, onError: () => {}, ...(target.schema === undefined ? {} : { schema: target.schema }) };
    return target.pglite !== undefined
      ? createPgBossInbox({ pglite: target.pglite }, options)
      : createPgBossInbox({ connectionString: target.postgres as string, max: 2 }, options);
  }
  const { createBullMQInbox } = await import('@armalo-webhooks/bullmq');
  return createBullMQInbox({
    connection: { ...redisOptions(target.redis as string), retryStrategy: () => null },
    queue,
    onError: () => {},
    ...(target.prefix === undefined ? {} : { prefix: target.prefix }),
  });
}

/** An admin command should fail once, not reconnect forever: ioredis options from the URL, no retries. */
function redisOptions(url: string): Record<string, unknown> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('--redis must be a URL such as redis://127.0.0.1:6379');
  }
  const options: Record<string, unknown> = {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    connectTimeout: 5_000,
  };
  if (parsed.username) options.username = decodeURIComponent(parsed.username);
  if (parsed.password) options.password = decodeURIComponent(parsed.password);
  const db = parsed.pathname.slice(1);
  if (db) options.db = Number(db);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

/** Error text with any credentials in a URL replaced, so a password never reaches the terminal. */
export function redact(message: string): string {
  return message.replace(/\/\/[^/\s@]*@/g, '//***@');
}
