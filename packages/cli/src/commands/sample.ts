import { EVENT_CATALOG, isCatalogEventName } from '@armalo-webhooks/core';
import type { Command } from 'commander';
import { resolveEventName } from '../event-names.js';
import { parseTimestampOption } from '../input.js';
import type { CommandContext } from '../io.js';

/**
 * The sample body for an event, pretty-printed: the whole envelope, or only `data`, which is the
 * sample of the event's catalog row.
 *
 * @example
 * ```ts
 * formatSample('eval.completed', { dataOnly: true });
 * ```
 */
export function formatSample(event: string, options: { dataOnly?: boolean; timestamp?: string } = {}): string {
  const name = resolveEventName(event);
  const data = isCatalogEventName(name) ? EVENT_CATALOG[name].sample : {};
  const value =
    options.dataOnly === true ? data : { event: name, timestamp: options.timestamp ?? new Date().toISOString(), data };
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** `armalo-webhooks sample <event>`. */
export function registerSampleCommand(program: Command, ctx: CommandContext): void {
  program
    .command('sample')
    .description('print a sample delivery body for an event (the envelope, or only its data)')
    .argument('<event>', 'an event name (see `armalo-webhooks events`)')
    .option('--data-only', 'print only `data`, ready to edit and pass to `send --data @file`')
    .option('--timestamp <iso>', 'the envelope timestamp (default: now)')
    .addHelpText(
      'after',
      '\nExamples:\n  armalo-webhooks sample score.changed\n  armalo-webhooks sample eval.failed --data-only > data.json',
    )
    .action((event: string, options: { dataOnly?: boolean; timestamp?: string }) => {
      ctx.stdout(
        formatSample(event, {
          ...(options.dataOnly === undefined ? {} : { dataOnly: options.dataOnly }),
          ...(options.timestamp === undefined ? {} : { timestamp: parseTimestampOption(options.timestamp) }),
        }),
      );
    });
}
