import type { BodySource } from './input.js';

/**
 * Everything a command touches outside itself, so tests can run commands in-process.
 *
 * @example
 * ```ts
 * const io: CliIo = {
 *   stdout: (text) => process.stdout.write(text),
 *   stderr: (text) => process.stderr.write(text),
 *   stdin: process.stdin,
 *   env: process.env,
 * };
 * ```
 */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: BodySource;
  env: Readonly<Record<string, string | undefined>>;
}

/** The I/O and the exit code a command sets when it ends without throwing. */
export interface CommandContext extends CliIo {
  exitCode: number;
}
