import { EVENT_CATALOG, EVENT_NAMES, LEGACY_EVENT_NAMES } from '@armalo-webhooks/core';
import type { Command } from 'commander';
import type { CommandContext } from '../io.js';

/** Renders the catalog: the 22 documented events with descriptions, then the legacy names. */
export function formatEvents(): string {
  const width = Math.max(...EVENT_NAMES.map((name) => name.length)) + 2;
  const lines = [`${EVENT_NAMES.length} events (Armalo webhook docs):`];
  for (const name of EVENT_NAMES) lines.push(`  ${name.padEnd(width)}${EVENT_CATALOG[name].description}`);
  lines.push(
    '',
    `Legacy names (${LEGACY_EVENT_NAMES.length}): listed by an earlier version of the docs; older subscriptions may still send them, data shape undocumented:`,
  );
  for (const name of LEGACY_EVENT_NAMES) lines.push(`  ${name}`);
  return `${lines.join('\n')}\n`;
}

/** `armalo-webhooks events`. */
export function registerEventsCommand(program: Command, ctx: CommandContext): void {
  program
    .command('events')
    .description('list the 22 event names with descriptions, and the legacy names')
    .option('--json', 'print JSON: [{ name, description, legacy }]')
    .action((options: { json?: boolean }) => {
      if (options.json === true) {
        const list = [...EVENT_NAMES, ...LEGACY_EVENT_NAMES].map((name) => ({ name, ...EVENT_CATALOG[name] }));
        ctx.stdout(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      ctx.stdout(formatEvents());
    });
}
