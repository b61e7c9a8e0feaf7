import { CliError } from './errors.js';

/**
 * The environment variable the CLI reads when no `--secret` is given.
 *
 * @example
 * ```ts
 * const secret = process.env[SECRET_ENV];
 * ```
 */
export const SECRET_ENV = 'ARMALO_WEBHOOK_SECRET';

/**
 * One configured secret and where it came from, so a message can name it without printing it.
 *
 * @example
 * ```ts
 * const secret: SecretSource = { value: 'whsec_…', label: '--secret #0' };
 * ```
 */
export interface SecretSource {
  value: string;
  /** `--secret #1` or `ARMALO_WEBHOOK_SECRET #0`: safe to print. Numbered from #0, like core's `secretIndex`. */
  label: string;
}

/**
 * Collects the secrets from repeated `--secret` options (each may be a comma-separated list) or,
 * when none is given, from `ARMALO_WEBHOOK_SECRET`. They are numbered from #0 in the order given,
 * as core numbers `secret: [current, previous]` (`ctx.secretIndex`, its error messages). Values are
 * kept exactly as given, surrounding whitespace included, because finding that whitespace is one of
 * `verify`'s diagnoses.
 *
 * @example
 * ```ts
 * resolveSecrets(['current,previous'], process.env).map((s) => s.label); // ['--secret #0', '--secret #1']
 * ```
 */
export function resolveSecrets(
  fromOptions: readonly string[] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): SecretSource[] {
  const given = fromOptions !== undefined && fromOptions.length > 0;
  const raw = given ? fromOptions : env[SECRET_ENV] === undefined ? [] : [env[SECRET_ENV]];
  const source = given ? '--secret' : SECRET_ENV;
  // Spaces beside a comma are list formatting ("current, previous"); whitespace at either end of
  // the whole value is kept, since a secret loaded with a trailing newline is what verify diagnoses.
  const values = raw.flatMap((value) => value.split(/ *, */)).filter((value) => value.trim() !== '');
  if (values.length === 0) {
    throw new CliError(`missing secret: pass --secret <secret> or set ${SECRET_ENV}`);
  }
  return values.map((value, index) => ({ value, label: `${source} #${index}` }));
}

/** Collects repeated `--secret` values for commander. */
export function collectSecret(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Whether a secret carries the surrounding whitespace that an `.env` file or a copy-paste adds. */
export function hasSurroundingWhitespace(secret: string): boolean {
  return secret.trim() !== secret;
}
