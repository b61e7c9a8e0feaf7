import type { Command } from 'commander';
import type { CommandContext } from '../io.js';
import { collectSecret, hasSurroundingWhitespace, resolveSecrets, SECRET_ENV, type SecretSource } from '../secrets.js';

/** Adds `--secret` to a command. No default is shown in help: the value must never be printed. */
export function addSecretOption(command: Command, description: string): Command {
  return command.option('-s, --secret <secret>', `${description} (default: $${SECRET_ENV})`, collectSecret);
}

/**
 * The one secret a signing command uses: #0, the first configured (the current one while rotating),
 * with a warning on stderr when it carries whitespace or when others were given.
 */
export function signingSecret(fromOptions: string[] | undefined, ctx: CommandContext): SecretSource {
  const secrets = resolveSecrets(fromOptions, ctx.env);
  const secret = secrets[0]!;
  if (secrets.length > 1) {
    ctx.stderr(`note: signing with ${secret.label} (current), the first of ${secrets.length} secrets\n`);
  }
  if (hasSurroundingWhitespace(secret.value)) {
    ctx.stderr(
      `warning: ${secret.label} has surrounding whitespace, which is signed as part of the key; a receiver refuses such a secret at startup, so trim it where it is loaded\n`,
    );
  }
  return secret;
}
