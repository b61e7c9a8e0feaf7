import type { WebhookErrorCode } from '../errors.js';
import type { WebhookOutcome } from '../exchange/outcome.js';
import type { ErrorBody, WebhookResult } from '../exchange/result.js';
import { internalsOf } from '../receiver/internals.js';
import { log, type WebhookLogger } from './logger.js';

/**
 * How refusals (4xx answers) are logged. By default a refusal is one line at `'warn'`, at most
 * `perMinute` (10) lines a minute per receiver; the rest are counted and the count goes with the
 * next line, so a flood of bad requests cannot flood the log, and a wrong secret in production
 * still shows up in it. `logRefusals: false` turns the lines off; the counts stay
 * ({@link refusalCounts}).
 *
 * @example
 * ```ts
 * const logRefusals: RefusalLogOptions = { level: 'error', perMinute: 30 };
 * ```
 */
export interface RefusalLogOptions {
  /** Default `'warn'`. */
  level?: 'warn' | 'error';
  /** Default 10. */
  perMinute?: number;
}

// Refusals that are part of normal operation, not a sign that anything is set up wrong: counted,
// never logged. 405: load balancer health checks and scanners. 409: a sender's retry that arrived
// while the first attempt was still running.
const NOT_LOGGED: ReadonlySet<string> = new Set<WebhookErrorCode>(['METHOD_NOT_ALLOWED', 'DELIVERY_IN_PROGRESS']);

// What an operator looks at first when every delivery is refused with one of these.
const HINTS: Partial<Record<WebhookErrorCode, string>> = {
  INVALID_SIGNATURE:
    'if every delivery gets this, the secret is not the one Armalo signs with, or something before this handler changed the body',
  TIMESTAMP_OUT_OF_TOLERANCE: "check this server's clock, or a delivery replayed from long ago",
  UNSUPPORTED_MEDIA_TYPE: 'a proxy that compresses request bodies, or a Content-Type that is not JSON',
};

/** Per receiver: every refusal counted by code, and logged as {@link RefusalLogOptions} says. */
export interface RefusalRecorder {
  readonly counts: Partial<Record<WebhookErrorCode, number>>;
  record(result: WebhookResult, outcome: WebhookOutcome): void;
}

/** Counts every refusal; logs those worth a line unless `options` is `false`. */
export function createRefusalRecorder(
  logger: WebhookLogger,
  options: boolean | RefusalLogOptions | undefined,
): RefusalRecorder {
  const logging = options !== false;
  const { level = 'warn', perMinute = 10 } = typeof options === 'object' ? options : {};
  const counts: Partial<Record<WebhookErrorCode, number>> = {};
  let windowStart = Number.NEGATIVE_INFINITY;
  let inWindow = 0;
  let suppressed = 0;
  return {
    counts,
    record(result, outcome) {
      if (outcome !== 'refused') return;
      const { code } = result.body as ErrorBody;
      counts[code] = (counts[code] ?? 0) + 1;
      // Nobody reads the answer to a client that went away mid-body.
      if (!logging || NOT_LOGGED.has(code) || result.meta.aborted === true) return;
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
      const meta: Record<string, unknown> = { status: result.status, code };
      if (result.meta.event !== undefined) meta.event = result.meta.event;
      if (suppressed > 0) meta.suppressed = suppressed;
      suppressed = 0;
      const hint = HINTS[code];
      log(logger, level, `refused a delivery: ${code} (${result.status})${hint ? `: ${hint}` : ''}`, meta);
    },
  };
}

/**
 * How many deliveries a receiver refused since it was created, by code (4xx answers only; codes
 * never seen are absent). A snapshot for a health or status endpoint; for metrics over time use an
 * observer or `@armalo-webhooks/opentelemetry`, which count the same answers.
 *
 * @example
 * ```ts
 * import { refusalCounts } from '@armalo-webhooks/core';
 * app.get('/status', (_req, res) => res.json({ webhookRefusals: refusalCounts(webhooks) }));
 * // { "INVALID_SIGNATURE": 3, "METHOD_NOT_ALLOWED": 12 }
 * ```
 */
export function refusalCounts(receiver: object): Readonly<Partial<Record<WebhookErrorCode, number>>> {
  return { ...internalsOf(receiver, 'refusalCounts()').refusals.counts };
}
