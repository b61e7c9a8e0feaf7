import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { registerDevCommand } from './commands/dev.js';
import { registerEventsCommand } from './commands/events.js';
import { registerInboxCommand } from './commands/inbox.js';
import { registerSampleCommand } from './commands/sample.js';
import { registerSendCommand } from './commands/send.js';
import { registerSignCommand } from './commands/sign.js';
import { registerVerifyCommand } from './commands/verify.js';
import { CliError, EXIT, oneLine } from './errors.js';
import type { CliIo, CommandContext } from './io.js';
import { printable } from './printable.js';
import { SECRET_ENV } from './secrets.js';

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

/**
 * The `armalo-webhooks` command tree, writing through `ctx`. Commander reports its own errors
 * (unknown option, missing argument) through `ctx.stderr` and throws instead of exiting.
 *
 * @example
 * ```ts
 * const program = createProgram({ ...io, exitCode: 0 });
 * await program.parseAsync(['events'], { from: 'user' });
 * ```
 */
export function createProgram(ctx: CommandContext): Command {
  const program = new Command('armalo-webhooks')
    .description('Sign, verify and send sample Armalo webhook deliveries to a local endpoint.')
    .version(version, '-v, --version')
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr })
    .addHelpText(
      'after',
      `
The secret comes from --secret or $${SECRET_ENV}; it is never printed.

Examples:
  armalo-webhooks events
  armalo-webhooks send score.changed --url http://127.0.0.1:3000/webhooks/armalo
  armalo-webhooks verify --file body.json --signature <hex>
  armalo-webhooks dev`,
    );
  registerSendCommand(program, ctx);
  registerSignCommand(program, ctx);
  registerVerifyCommand(program, ctx);
  registerEventsCommand(program, ctx);
  registerSampleCommand(program, ctx);
  registerInboxCommand(program, ctx);
  registerDevCommand(program, ctx);
  return program;
}

/**
 * Runs the CLI on `argv` (without the node and script paths) and resolves to the exit code.
 * Every failure is one line on stderr, `error: …`; nothing is thrown.
 *
 * @example
 * ```ts
 * import { runCli } from 'armalo-webhooks';
 * process.exitCode = await runCli(process.argv.slice(2), {
 *   stdout: (text) => process.stdout.write(text),
 *   stderr: (text) => process.stderr.write(text),
 *   stdin: process.stdin,
 *   env: process.env,
 * });
 * ```
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const ctx: CommandContext = { ...io, exitCode: EXIT.ok };
  const program = createProgram(ctx);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ctx.exitCode;
  } catch (error) {
    // Commander has already printed its own message (or the help, with exit code 0).
    if (error instanceof CommanderError) return error.exitCode;
    io.stderr(`error: ${printable(oneLine(error instanceof Error ? error.message : String(error)))}\n`);
    return error instanceof CliError ? error.exitCode : EXIT.usage;
  }
}
