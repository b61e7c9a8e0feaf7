import type { WebhookObserver } from '@armalo-webhooks/core';
import { isLoopback } from './loopback.js';
import { type Observed, observeInto } from './observed.js';

/**
 * The environment variable `inspect()` reads: the URL `armalo-webhooks dev` prints.
 *
 * @example
 * ```ts
 * process.env[INSPECTOR_URL_ENV]; // 'http://127.0.0.1:4400/3f9a…/'
 * ```
 */
export const INSPECTOR_URL_ENV = 'ARMALO_INSPECTOR_URL';

/**
 * Options for {@link inspect}.
 *
 * @example
 * ```ts
 * const options: InspectOptions = { url: 'http://127.0.0.1:4400/3f9a…/', onError: () => {} };
 * ```
 */
export interface InspectOptions {
  /** The inspector's URL, token included. Default: `$ARMALO_INSPECTOR_URL`; without one, `inspect()` does nothing. */
  url?: string;
  /** Post to an inspector on another machine. Off by default: what is posted includes bodies and signatures. */
  allowRemote?: boolean;
  /** Told when the inspector cannot be reached. Default: one warning on the console until it can again. */
  onError?: (error: Error) => void;
}

/** Reports kept while the inspector is unreachable; older ones are dropped. */
const MAX_PENDING = 1_000;

/**
 * An observer that streams a receiver's deliveries to a running `armalo-webhooks dev`: headers,
 * exact bytes, the answer, and every inbox attempt, so the inspector shows your app's real
 * outcomes. It never changes an answer, and posts in the background. Without a URL (the
 * environment variable unset, as in production) it does nothing.
 *
 * @example
 * ```ts
 * import { createWebhookReceiver } from '@armalo-webhooks/core';
 * import { inspect } from '@armalo-webhooks/inspect';
 *
 * const webhooks = createWebhookReceiver({
 *   secret: process.env.ARMALO_WEBHOOK_SECRET!,
 *   observers: [inspect()], // reads ARMALO_INSPECTOR_URL, printed by `armalo-webhooks dev`
 * });
 * ```
 */
export function inspect(options: InspectOptions | string = {}): WebhookObserver {
  const { url, allowRemote = false, onError } = typeof options === 'string' ? { url: options } : options;
  const given = url ?? process.env[INSPECTOR_URL_ENV];
  if (given === undefined || given.trim() === '') return {};
  const ingest = ingestUrl(given.trim(), allowRemote);
  const report: ((error: Error) => void) & { recovered?: () => void } = onError ?? warnOnce(ingest.origin);
  let pending: Observed[] = [];
  let sending = false;

  const flush = async (): Promise<void> => {
    sending = true;
    while (pending.length > 0) {
      const batch = pending;
      pending = [];
      try {
        const response = await fetch(ingest, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(batch),
          signal: AbortSignal.timeout(5_000),
        });
        await response.arrayBuffer();
        if (!response.ok) report(new Error(refused(response.status)));
        else report.recovered?.();
      } catch (error) {
        report(error instanceof Error ? error : new Error(String(error)));
      }
    }
    sending = false;
  };

  return observeInto((observed) => {
    pending.push(observed);
    if (pending.length > MAX_PENDING) pending.shift();
    if (!sending) void flush();
  });
}

// 401, 403 and 404 mean the URL does not name a running inspector: a stale token (each `dev`
// prints a new one), a path cut short, or another server on that port.
function refused(status: number): string {
  const stale = status === 401 || status === 403 || status === 404;
  return `the inspector answered ${status}${stale ? `: check ${INSPECTOR_URL_ENV}, which must be the URL \`armalo-webhooks dev\` printed this time, token included` : ''}`;
}

function ingestUrl(given: string, allowRemote: boolean): URL {
  let base: URL;
  try {
    base = new URL(given.endsWith('/') ? given : `${given}/`);
  } catch {
    throw new TypeError(`armalo-webhooks inspect(): not a URL: ${JSON.stringify(given)}`);
  }
  if (!allowRemote && !isLoopback(base.hostname)) {
    throw new TypeError(
      `armalo-webhooks inspect(): ${base.hostname} is not this machine; bodies and signatures would leave it (pass allowRemote: true to allow)`,
    );
  }
  return new URL('ingest', base);
}

// One line when the inspector goes away, another when it is back; the token stays out of logs.
function warnOnce(origin: string): ((error: Error) => void) & { recovered?: () => void } {
  let down = false;
  const report = (error: Error) => {
    if (down) return;
    down = true;
    console.warn(`armalo-webhooks inspect(): cannot report to the inspector at ${origin}: ${error.message}`);
  };
  return Object.assign(report, {
    recovered: () => {
      down = false;
    },
  });
}
