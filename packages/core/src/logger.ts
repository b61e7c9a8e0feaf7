/**
 * Where the library writes warnings and errors. `console` fits; so do pino and winston loggers.
 * Messages never contain secrets, signatures or bodies.
 *
 * @example
 * ```ts
 * const logger: WebhookLogger = { warn: (m, meta) => pino.warn(meta, m), error: (m, meta) => pino.error(meta, m) };
 * ```
 */
export interface WebhookLogger {
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

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
  try {
    if (meta === undefined) logger[level](`armalo-webhooks: ${message}`);
    else logger[level](`armalo-webhooks: ${message}`, meta);
  } catch {
    // Logging is best effort: the answer to the sender matters more than the log line.
  }
}

/** The message of a thrown value, for a log line. */
export function describeError(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Error ? `${value.name}: ${value.message}` : String(value);
}
