import type { Command } from 'commander';
import { type Diagnosis, diagnoseSignature } from '../diagnose.js';
import { EXIT } from '../errors.js';
import { readBody } from '../input.js';
import type { CommandContext } from '../io.js';
import { resolveSecrets } from '../secrets.js';
import { addSecretOption } from './shared.js';

/**
 * Renders a diagnosis: `OK: …` on success, otherwise `FAIL: …` and one line per finding.
 *
 * @example
 * ```ts
 * formatDiagnosis(diagnoseSignature(body, header, secrets));
 * ```
 */
export function formatDiagnosis(diagnosis: Diagnosis): string {
  const { matched } = diagnosis;
  const which = matched === undefined ? '' : matched.of > 1 ? `${matched.label} (of ${matched.of})` : matched.label;
  if (diagnosis.ok) {
    const lines = [`OK: the signature verifies with ${which}`];
    if (matched !== undefined && matched.index > 0) {
      lines.push(
        `note: it matched ${matched.label}, not #0 (current), the one send and sign use; a receiver configured without it answers 401 INVALID_SIGNATURE. While rotating, configure both, current first: secret: [current, previous], which the receiver numbers #0 and #1 as here`,
      );
    }
    return `${lines.join('\n')}\n`;
  }
  const lines = ['FAIL: the signature does not verify as given'];
  for (const finding of diagnosis.findings) lines.push(`- ${finding.message}`);
  if (matched !== undefined) lines.push(`Fixed as described, it verifies with ${which}.`);
  return `${lines.join('\n')}\n`;
}

/** `armalo-webhooks verify`. */
export function registerVerifyCommand(program: Command, ctx: CommandContext): void {
  const command = program
    .command('verify')
    .description('check a signature against a body and say OK, or what is wrong')
    .requiredOption('--signature <value>', 'the X-Armalo-Signature header value')
    .option('-f, --file <path>', 'read the body from a file (default: stdin)');
  addSecretOption(command, 'a secret to try; repeat it or give a comma-separated list to try several');
  command
    .addHelpText(
      'after',
      `
OK means a receiver accepts the header as given (core's own check: surrounding whitespace and
upper-case hex are fine). Secrets are numbered from #0, as the receiver's secretIndex numbers them.
Diagnoses: a secret with surrounding whitespace, a body that only verifies re-serialized with other
JSON spacing (the sender signed other bytes than you hashed), a trailing newline, which of several
secrets matched, a prefix such as sha256=, base64 instead of hex, a wrong length or a non-hex value.
Exit code: 0 OK, 2 does not verify, 1 bad input.

Examples:
  armalo-webhooks verify --file body.json --signature 5d1c…
  armalo-webhooks verify --file body.json --signature 5d1c… --secret "$NEW,$OLD"`,
    )
    .action(async (options: { file?: string; secret?: string[]; signature: string }) => {
      const secrets = resolveSecrets(options.secret, ctx.env);
      const body = await readBody({ file: options.file, stdin: ctx.stdin });
      const diagnosis = diagnoseSignature(body, options.signature, secrets);
      ctx.stdout(formatDiagnosis(diagnosis));
      ctx.exitCode = diagnosis.ok ? EXIT.ok : EXIT.rejected;
    });
}
