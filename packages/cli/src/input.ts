import { readFile } from 'node:fs/promises';
import { parseEventTimestamp } from '@armalo-webhooks/core';
import { CliError } from './errors.js';

/**
 * Where a command reads a body from when `--file` is absent.
 *
 * @example
 * ```ts
 * const stdin: BodySource = process.stdin;
 * ```
 */
export interface BodySource extends AsyncIterable<Uint8Array | string> {
  isTTY?: boolean;
}

/**
 * The exact bytes of a body, from `--file` or from stdin. Nothing is decoded or trimmed: the
 * signature covers these bytes, a trailing newline included.
 *
 * @example
 * ```ts
 * const body = await readBody({ file: 'body.json', stdin: process.stdin });
 * ```
 */
export async function readBody(options: { file?: string | undefined; stdin: BodySource }): Promise<Uint8Array> {
  if (options.file !== undefined) return readInputFile(options.file);
  if (options.stdin.isTTY === true) {
    throw new CliError('no body: pass --file <path> or pipe the body on stdin');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of options.stdin)
    chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/** Reads a file the user named, turning fs errors into one-line messages. */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new CliError(`cannot read ${path}: ${reason}`);
  }
}

/**
 * Parses `--data`: inline JSON, or `@path` to read JSON from a file.
 *
 * @example
 * ```ts
 * await parseDataOption('{"agentId":"a1"}'); // { agentId: 'a1' }
 * await parseDataOption('@data.json');
 * ```
 */
export async function parseDataOption(value: string): Promise<unknown> {
  const fromFile = value.startsWith('@');
  const text = fromFile ? Buffer.from(await readInputFile(value.slice(1))).toString('utf8') : value;
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = fromFile ? value.slice(1) : '--data';
    throw new CliError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
}

/**
 * Checks `--timestamp` with core's envelope rule ({@link parseEventTimestamp}), so the CLI never
 * builds a delivery whose timestamp a receiver refuses: an ISO-8601 date-time with seconds and `Z`
 * or an offset written `+01:00`, on a real calendar date. The value is kept exactly as typed.
 *
 * @example
 * ```ts
 * parseTimestampOption('2026-03-16T10:05:00.000Z'); // '2026-03-16T10:05:00.000Z'
 * parseTimestampOption('2026-03-16T10:05Z'); // throws CliError: no seconds
 * ```
 */
export function parseTimestampOption(value: string): string {
  if (parseEventTimestamp(value) === undefined) {
    throw new CliError(
      `--timestamp must be a date-time the receiver accepts: ISO-8601 with seconds and Z or an offset like +01:00, e.g. 2026-03-16T10:05:00.000Z; got "${value}"`,
    );
  }
  return value;
}

/**
 * A commander argument parser for whole numbers within bounds.
 *
 * @example
 * ```ts
 * integerOption('--repeat', 1, 10_000)('5'); // 5
 * ```
 */
export function integerOption(name: string, min: number, max: number): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min || parsed > max) {
      throw new CliError(`${name} must be a whole number from ${min} to ${max}; got "${value}"`);
    }
    return parsed;
  };
}
