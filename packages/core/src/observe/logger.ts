/**
 * Where the library writes warnings and errors: a console-style logger (`warn(message, meta)`:
 * `console`, winston) or a pino-style one (`warn(meta, message)`: pino, Fastify's `app.log` and
 * `request.log`), told apart by pino's `levelVal`. Messages never contain secrets, signatures or
 * bodies.
 *
 * @example
 * ```ts
 * const fromConsole: WebhookLogger = console;
 * const fromPino: WebhookLogger = pino(); // or app.log in Fastify
 * ```
 */
export interface WebhookLogger {
  warn(...args: never[]): void;
  error(...args: never[]): void;
}

type LogFunction = (first: unknown, second?: unknown) => void;

/**
 * Writes one line through a logger. Every warning and error of the library goes through here, and
 * a logger that throws never turns into a throw from the code that logged.
 */
export function log(
  logger: WebhookLogger,
  level: 'warn' | 'error',
  message: string,
  meta?: Record<string, unknown>,
): void {
  const write = logger[level] as unknown as LogFunction;
  const text = `armalo-webhooks: ${message}`;
  try {
    if (typeof (logger as { levelVal?: unknown }).levelVal === 'number') write.call(logger, meta ?? {}, text);
    else if (meta === undefined) write.call(logger, text);
    else write.call(logger, text, meta);
  } catch {
    // Logging is best effort: the answer to the sender matters more than the log line.
  }
}

/** The message of a thrown value, for a log line. */
export function describeError(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
