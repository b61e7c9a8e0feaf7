import { signPayload } from '@armalo-webhooks/core';
import type { Command } from 'commander';
import { readBody } from '../input.js';
import type { CommandContext } from '../io.js';
import { addSecretOption, signingSecret } from './shared.js';

/** `armalo-webhooks sign`. */
export function registerSignCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('sign')
    .description('print the X-Armalo-Signature of a body: hex HMAC-SHA256 of its exact bytes')
    .option('-f, --file <path>', 'read the body from a file (default: stdin)');
  addSecretOption(command, 'the webhook secret');
  command
    .addHelpText(
      'after',
      '\nThe bytes are signed as they are: a final newline in the file is part of the body.\n\nExamples:\n  armalo-webhooks sign --file body.json\n  printf %s \'{"event":"score.changed"}\' | armalo-webhooks sign',
    )
    .action(async (options: { file?: string; secret?: string[] }) => {
      const secret = signingSecret(options.secret, ctx);
      const body = await readBody({ file: options.file, stdin: ctx.stdin });
      ctx.stdout(`${await signPayload(body, secret.value)}\n`);
    });
}
