import type { WebhookError } from '../errors.js';
import type { ErrorInfo } from '../receiver/options.js';
import { describeError, log, type WebhookLogger } from './logger.js';

/** Where a receiver reports its failures: `onError`, else the logger. */
export interface Reporting {
  logger: WebhookLogger;
  onError: ((error: WebhookError, info: ErrorInfo) => unknown) | undefined;
}

/** Tells `onError` (or the logger) about a 5xx. A throwing hook or logger never changes the answer. */
export async function report(reporting: Reporting, error: WebhookError, info: ErrorInfo): Promise<void> {
  try {
    if (reporting.onError) await reporting.onError(error, info);
    else
      log(reporting.logger, 'error', `${error.code}: ${error.message}`, { ...info, cause: describeError(error.cause) });
  } catch (hookError) {
    log(reporting.logger, 'error', 'onError threw', { cause: describeError(hookError) });
  }
}
