/**
 * A failure the user can fix: printed as one line on stderr, then the process exits with
 * `exitCode`. The message never contains a secret.
 *
 * @example
 * ```ts
 * throw new CliError('no secret: pass --secret or set ARMALO_WEBHOOK_SECRET');
 * ```
 */
export class CliError extends Error {
  override readonly name = 'CliError';
  readonly exitCode: number;

  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** Exit codes: 0 success; 1 bad input or unreachable endpoint; 2 the endpoint or the signature said no. */
export const EXIT = { ok: 0, usage: 1, rejected: 2 } as const;

/** The first line of an error's message, without trailing punctuation noise: one-line errors stay one line. */
export function oneLine(message: string): string {
  return (message.split(/\r?\n/, 1)[0] ?? '').trim();
}
