import { type CatalogEventName, type CatalogRow, EVENT_CATALOG } from '@armalo-webhooks/core';
import type { Command } from 'commander';
import type { CommandContext } from '../io.js';

// The catalog's rows in its order (the provider's table, then the legacy names): everything this
// command prints comes from them.
const ROWS = Object.entries(EVENT_CATALOG) as [CatalogEventName, CatalogRow][];
const DOCUMENTED = ROWS.filter(([, row]) => !row.legacy);
const LEGACY = ROWS.filter(([, row]) => row.legacy);

/** Renders the catalog: the documented events with their descriptions, then the legacy names. */
export function formatEvents(): string {
  const width = Math.max(...DOCUMENTED.map(([name]) => name.length)) + 2;
  const lines = [`${DOCUMENTED.length} events (Armalo webhook docs):`];
  for (const [name, row] of DOCUMENTED) lines.push(`  ${name.padEnd(width)}${row.description}`);
  lines.push(
    '',
    `Legacy names (${LEGACY.length}): listed by an earlier version of the docs; older subscriptions may still send them, data shape undocumented:`,
  );
  for (const [name] of LEGACY) lines.push(`  ${name}`);
  return `${lines.join('\n')}\n`;
}

/** `armalo-webhooks events`. */
export function registerEventsCommand(program: Command, ctx: CommandContext): void {
  program
    .command('events')
    .description(`list the ${DOCUMENTED.length} event names with descriptions, and the legacy names`)
    .option('--json', 'print JSON: [{ name, description, legacy }]')
    .action((options: { json?: boolean }) => {
      if (options.json === true) {
        const list = ROWS.map(([name, row]) => ({ name, description: row.description, legacy: row.legacy }));
        ctx.stdout(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      ctx.stdout(formatEvents());
    });
}
