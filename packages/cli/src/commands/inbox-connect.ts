import type { Inbox } from '@armalo-webhooks/core';
import type { Command } from 'commander';
import { CliError } from '../errors.js';

/** Where `armalo-webhooks inbox …` and `dev` find the inbox: one engine option, and its settings. */
export interface InboxTarget {
  postgres?: string;
  redis?: string;
  /** The directory of an embedded (PGlite) pg-boss inbox. */
  pglite?: string;
  queue?: string;
  schema?: string;
  prefix?: string;
  /** The pg-boss inbox's table of freshness watermarks, if not the default. */
  freshnessTable?: string;
}

/**
 * One inbox engine the CLI can open. Its package is an optional peer of the CLI, loaded only when
 * its option is given, so `send` and the other commands install and start without any engine.
 */
interface Engine {
  /** The option's key in {@link InboxTarget}, and its name on the command line (`--postgres`). */
  key: 'postgres' | 'redis' | 'pglite';
  /** The option's value, as help shows it. */
  value: string;
  /** For `armalo-webhooks inbox`, then for `dev`. */
  help: { inbox: string; dev: string };
  /** What to install when the engine's package is missing; the first is the package the CLI imports. */
  install: readonly string[];
  open(value: string, target: InboxTarget): Promise<Inbox>;
}

// Admin commands fail once rather than reconnect forever, and report errors themselves.
const ENGINES: readonly Engine[] = [
  {
    key: 'postgres',
    value: '<url>',
    help: { inbox: 'the PostgreSQL database of a pg-boss inbox', dev: 'a pg-boss inbox to replay into and redrive' },
    install: ['@armalo-webhooks/pg-boss', 'pg-boss', 'pg'],
    async open(url, target) {
      const { createPgBossInbox } = await load(this, () => import('@armalo-webhooks/pg-boss'));
      const options = {
        queue: queueOf(target),
        onError: () => {},
        ...defined({ schema: target.schema, freshnessTable: target.freshnessTable }),
      };
      return createPgBossInbox({ connectionString: url, max: 2 }, options);
    },
  },
  {
    key: 'redis',
    value: '<url>',
    help: { inbox: 'the Redis server of a BullMQ inbox', dev: 'a BullMQ inbox to replay into and redrive' },
    install: ['@armalo-webhooks/bullmq', 'bullmq'],
    async open(url, target) {
      const connection = { ...redisOptions(url), retryStrategy: () => null };
      const { createBullMQInbox } = await load(this, () => import('@armalo-webhooks/bullmq'));
      return createBullMQInbox({
        connection,
        queue: queueOf(target),
        onError: () => {},
        ...defined({ prefix: target.prefix }),
      });
    },
  },
  {
    key: 'pglite',
    value: '<dir>',
    help: {
      inbox: 'the directory of an embedded pg-boss inbox (PGlite; stop the process that has it open first)',
      dev: "an embedded pg-boss inbox (PGlite) in this directory: the standalone receiver's deliveries are stored there",
    },
    install: ['@armalo-webhooks/pg-boss', 'pg-boss', '@electric-sql/pglite'],
    async open(dir, target) {
      const { createPgBossInbox } = await load(this, () => import('@armalo-webhooks/pg-boss'));
      const options = {
        queue: queueOf(target),
        onError: () => {},
        ...defined({ freshnessTable: target.freshnessTable }),
      };
      return createPgBossInbox({ pglite: dir }, options);
    },
  },
];

/**
 * Adds the engine options (`--postgres`, `--redis`) and the inbox settings (`--queue`, `--schema`,
 * `--prefix`) to a command.
 */
export function addInboxOptions(command: Command, use: keyof Engine['help']): Command {
  for (const engine of ENGINES) command.option(`--${engine.key} ${engine.value}`, engine.help[use]);
  return command
    .option('--queue <name>', use === 'dev' ? "the inbox's queue name" : 'the queue name', 'armalo-webhooks')
    .option('--schema <name>', "pg-boss's schema (default pgboss)")
    .option('--prefix <prefix>', "BullMQ's key prefix (default armalo)")
    .option(
      '--freshness-table <name>',
      "a pg-boss inbox's table of freshness watermarks (default armalo_webhooks_freshness)",
    );
}

/** Whether the options name an engine at all (`dev` runs without an inbox). */
export function wantsInbox(target: InboxTarget): boolean {
  return ENGINES.some((engine) => target[engine.key] !== undefined);
}

/** Opens the inbox named by exactly one engine option, loading that engine's package. */
export async function openInbox(target: InboxTarget): Promise<Inbox> {
  const given = ENGINES.filter((engine) => target[engine.key] !== undefined);
  const [engine] = given;
  if (engine === undefined || given.length > 1) {
    throw new CliError(
      `give exactly one of ${listed(ENGINES.map((item) => `--${item.key} ${item.value.slice(1, -1).toUpperCase()}`))}`,
    );
  }
  return engine.open(target[engine.key] as string, target);
}

/**
 * Imports an engine's package, or says in one line what to install. A missing engine library
 * (pg-boss, bullmq) fails inside the adapter's import the same way, and gets the same line.
 */
async function load<T>(engine: Engine, imported: () => Promise<T>): Promise<T> {
  try {
    return await imported();
  } catch (error) {
    const { code, message } = error as { code?: unknown; message?: unknown };
    const missing = engine.install.find((name) => String(message).includes(`'${name}'`));
    if (code !== 'ERR_MODULE_NOT_FOUND' || missing === undefined) throw error;
    throw new CliError(
      `--${engine.key} needs ${missing}, which is not installed: npm install ${engine.install.join(' ')}`,
    );
  }
}

/** `a`, `a or b`, `a, b or c`. */
function listed(items: readonly string[]): string {
  return items.length < 2 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

function queueOf(target: InboxTarget): string {
  return target.queue ?? 'armalo-webhooks';
}

function defined<T extends Record<string, unknown>>(values: T): Partial<T> {
  return Object.fromEntries(Object.entries(values).filter(([, value]) => value !== undefined)) as Partial<T>;
}

/** ioredis options from the URL, each part checked here so that a typo is one line, not a Redis error. */
function redisOptions(url: string): Record<string, unknown> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new CliError('--redis must be a URL such as redis://127.0.0.1:6379');
  }
  if ((parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') || parsed.hostname === '') {
    throw new CliError(`--redis must be a URL such as redis://127.0.0.1:6379/0, got ${JSON.stringify(redact(url))}`);
  }
  const options: Record<string, unknown> = {
    host: parsed.hostname,
    port: Number(parsed.port || 6379),
    connectTimeout: 5_000,
  };
  if (parsed.username) options.username = decodeCredential(parsed.username);
  if (parsed.password) options.password = decodeCredential(parsed.password);
  const db = parsed.pathname.slice(1);
  if (db !== '') {
    if (!/^\d+$/.test(db)) {
      throw new CliError(`--redis: the database after the port must be a number (redis://host:6379/0), got "${db}"`);
    }
    options.db = Number(db);
  }
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

function decodeCredential(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new CliError('--redis: the user name or password in the URL has a malformed %-escape');
  }
}

/** Error text with any credentials in a URL replaced, so a password never reaches the terminal. */
export function redact(message: string): string {
  return message.replace(/\/\/[^/\s@]*@/g, '//***@');
}
