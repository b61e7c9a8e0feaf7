import { log, type WebhookLogger } from './logger.js';
import type { WebhookObserver } from './observer.js';

/**
 * How refusals (4xx answers) are logged. They are always visible to observers; logging them is
 * off by default, since anyone can send a request that is refused and must not be able to flood
 * the log. Turned on, each refusal is one line at `level`, at most `perMinute` lines a minute; the
 * rest are counted and the count is logged with the next line.
 *
 * @example
 * ```ts
 * const logRefusals: RefusalLogOptions = { level: 'warn', perMinute: 10 };
 * ```
 */
export interface RefusalLogOptions {
  /** Default `'warn'`. */
  level?: 'warn' | 'error';
  /** Default 10. */
  perMinute?: number;
}

/** An observer that logs refusals, rate-limited. */
export function refusalLogger(logger: WebhookLogger, options: RefusalLogOptions): WebhookObserver {
  const level = options.level ?? 'warn';
  const perMinute = options.perMinute ?? 10;
  let windowStart = 0;
  let inWindow = 0;
  let suppressed = 0;
  return {
    answered(answer) {
      if (answer.status < 400 || answer.status >= 500 || answer.aborted) return;
      const now = Date.now();
      if (now - windowStart >= 60_000) {
        windowStart = now;
        inWindow = 0;
      }
      if (inWindow >= perMinute) {
        suppressed++;
        return;
      }
      inWindow++;
      const meta: Record<string, unknown> = { status: answer.status, code: answer.code };
      if (answer.event !== undefined) meta.event = answer.event;
      if (suppressed > 0) meta.suppressed = suppressed;
      suppressed = 0;
      log(logger, level, `refused a delivery: ${answer.code} (${answer.status})`, meta);
    },
  };
}
