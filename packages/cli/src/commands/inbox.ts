import type { Inbox, InboxEntry, InboxFilter, InboxState } from '@armalo-webhooks/core';
import type { Command } from 'commander';
import { CliError } from '../errors.js';
import type { CommandContext } from '../io.js';
import { printable, printableJson } from '../printable.js';
import { addInboxOptions, type InboxTarget, openInbox, redact } from './inbox-connect.js';

const STATES: readonly InboxState[] = ['waiting', 'delayed', 'active', 'completed', 'stale', 'dead', 'skipped'];

interface ListOptions {
  dead?: boolean;
  state?: string;
  event?: string;
  since?: string;
  limit?: string;
  json?: boolean;
}

/** `armalo-webhooks inbox stats | list | show | replay | redrive | blocked | skip`. */
export function registerInboxCommand(program: Command, ctx: CommandContext): void {
  const inbox = addInboxOptions(
    program
      .command('inbox')
      .description('inspect and operate a durable inbox (pg-boss on PostgreSQL or PGlite, or BullMQ on Redis)'),
    'inbox',
  );

  const run = (work: (engine: Inbox) => Promise<void>) => async () => {
    const engine = await openInbox(inbox.opts<InboxTarget>());
    try {
      await work(engine);
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`${engine.kind} inbox: ${redact(error instanceof Error ? error.message : String(error))}`);
    } finally {
      await engine.close().catch(() => {});
    }
  };

  inbox
    .command('stats')
    .description(
      'count deliveries by state: waiting, delayed, active, completed, stale, dead; and the blocked keys of an ordered inbox',
    )
    .option('--json', 'print JSON')
    .action((options: { json?: boolean }) =>
      run(async (engine) => {
        const { asOf, blocked, ...stats } = await engine.stats();
        if (options.json) {
          const all = blocked === undefined ? stats : { ...stats, blocked };
          ctx.stdout(`${printableJson(asOf === undefined ? all : { ...all, asOf })}\n`);
          return;
        }
        for (const [state, count] of Object.entries(stats)) ctx.stdout(`${state.padEnd(10)} ${count}\n`);
        if (blocked !== undefined) {
          // Keys come from the app's orderBy, over delivery data: printed escaped.
          const some =
            blocked.keys.length > 0
              ? `  (${blocked.keys.join(', ')}${blocked.count > blocked.keys.length ? ', …' : ''})`
              : '';
          ctx.stdout(`${printable(`${'blocked'.padEnd(10)} ${blocked.count} key(s)${some}`)}\n`);
          if (blocked.count > 0)
            ctx.stdout(
              '           see `armalo-webhooks inbox blocked`; `redrive --id` or `skip` a head to unblock its key\n',
            );
        }
        if (asOf !== undefined)
          ctx.stdout(`as of ${asOf.toISOString()} (${engine.kind} refreshes its counts at most once a minute)\n`);
      })(),
    );

  inbox
    .command('list')
    .description('list deliveries, oldest first')
    .option('--dead', 'only dead letters (same as --state dead)')
    .option('--state <state>', `one of ${STATES.join(', ')}`)
    .option('--event <name>', 'only this event')
    .option('--since <time>', 'only enqueued at or after this ISO-8601 time')
    .option('--limit <n>', 'most entries shown', '100')
    .option('--json', 'print JSON')
    .action((options: ListOptions) =>
      run(async (engine) => {
        const entries = await engine.list(listFilter(options));
        if (options.json) {
          ctx.stdout(`${printableJson(entries.map(summary))}\n`);
          return;
        }
        // Event names come from deliveries and error messages from handlers: printed escaped.
        for (const entry of entries) {
          const error = entry.lastError ? `  ${entry.lastError.code}: ${entry.lastError.message}` : '';
          const line = `${entry.id}  ${entry.state.padEnd(9)} ${entry.event.padEnd(24)} attempts=${entry.attempts}  ${entry.enqueuedAt.toISOString()}${error}`;
          ctx.stdout(`${printable(line)}\n`);
        }
        if (entries.length === 0) ctx.stdout('no deliveries match\n');
      })(),
    );

  inbox
    .command('show <id>')
    .description('one delivery, by job id or delivery id: state, attempts, last error and the payload, pretty-printed')
    .action((id: string) =>
      run(async (engine) => {
        const entry = await engine.get(id);
        if (entry === undefined) throw new CliError(`no delivery with id ${id} in this inbox`);
        ctx.stdout(`${printableJson({ ...summary(entry), payload: payload(entry) }, 2)}\n`);
      })(),
    );

  inbox
    .command('replay <id>')
    .description('run a delivery again, even a completed one, as a new job with the same delivery id')
    .action((id: string) =>
      run(async (engine) => {
        const replayed = await engine.replay(id);
        if (replayed === undefined) throw new CliError(`no delivery with id ${id} in this inbox`);
        ctx.stdout(`replayed ${id} as ${replayed}\n`);
      })(),
    );

  inbox
    .command('redrive')
    .description('move dead letters back to waiting, with a fresh attempt budget')
    .option('--event <name>', 'only this event')
    .option('--since <time>', 'only enqueued at or after this ISO-8601 time')
    .option('--id <id...>', 'only these (job ids or delivery ids)')
    .action((options: { event?: string; since?: string; id?: string[] }) =>
      run(async (engine) => {
        const filter: Parameters<Inbox['redrive']>[0] = {};
        if (options.event !== undefined) filter.event = options.event;
        if (options.since !== undefined) filter.since = parseTime(options.since);
        if (options.id !== undefined) filter.ids = options.id;
        ctx.stdout(`redrove ${await engine.redrive(filter)} dead letter(s)\n`);
      })(),
    );

  inbox
    .command('blocked')
    .description('keys of an ordered inbox (orderBy) held back by a dead head delivery, with that head')
    .option('--limit <n>', 'most keys shown', '100')
    .option('--json', 'print JSON')
    .action((options: { limit?: string; json?: boolean }) =>
      run(async (engine) => {
        if (engine.blocked === undefined) throw new CliError(`the ${engine.kind} inbox has no per-key ordering`);
        const limit = Number(options.limit ?? 100);
        if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit must be a positive integer');
        const blocked = await engine.blocked({ limit });
        if (options.json) {
          ctx.stdout(
            `${printableJson(blocked.map(({ key, head, waiting }) => ({ key, waiting, head: summary(head) })))}\n`,
          );
          return;
        }
        for (const { key, head, waiting } of blocked) {
          const error = head.lastError ? `  ${head.lastError.code}: ${head.lastError.message}` : '';
          const line = `${key}  waiting=${waiting}  head ${head.id} ${head.event} attempts=${head.attempts} ${head.enqueuedAt.toISOString()}${error}`;
          ctx.stdout(`${printable(line)}\n`);
        }
        if (blocked.length === 0) ctx.stdout('no blocked keys\n');
        else
          ctx.stdout(
            'unblock a key: `armalo-webhooks inbox redrive --id <head>` (run it again) or `inbox skip <head>`\n',
          );
      })(),
    );

  inbox
    .command('skip <id>')
    .description(
      "settle a dead, waiting or delayed delivery as skipped without running it, so its key's next delivery runs",
    )
    .action((id: string) =>
      run(async (engine) => {
        if (engine.skip === undefined) throw new CliError(`the ${engine.kind} inbox cannot skip deliveries`);
        const skipped = await engine.skip(id);
        if (skipped === undefined) throw new CliError(`no delivery with id ${id} in this inbox`);
        ctx.stdout(`${printable(`skipped ${skipped.id} (${skipped.event}, delivery ${skipped.deliveryId})`)}\n`);
      })(),
    );
}

function listFilter(options: ListOptions): InboxFilter {
  const filter: InboxFilter = { limit: Number(options.limit ?? 100) };
  if (!Number.isInteger(filter.limit) || (filter.limit as number) < 1)
    throw new CliError('--limit must be a positive integer');
  const state = options.dead ? 'dead' : options.state;
  if (state !== undefined) {
    if (!STATES.includes(state as InboxState)) throw new CliError(`--state must be one of ${STATES.join(', ')}`);
    filter.state = state as InboxState;
  }
  if (options.event !== undefined) filter.event = options.event;
  if (options.since !== undefined) filter.since = parseTime(options.since);
  return filter;
}

function parseTime(text: string): Date {
  const time = new Date(text);
  if (Number.isNaN(time.getTime())) throw new CliError(`--since must be an ISO-8601 time, got ${JSON.stringify(text)}`);
  return time;
}

/** An entry without the stored body (shown decoded by `show`). */
function summary(entry: InboxEntry) {
  const { delivery, ...rest } = entry;
  return { ...rest, receivedAt: new Date(delivery.receivedAt).toISOString(), secretIndex: delivery.secretIndex };
}

function payload(entry: InboxEntry): unknown {
  const text = Buffer.from(entry.delivery.body, 'base64').toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
