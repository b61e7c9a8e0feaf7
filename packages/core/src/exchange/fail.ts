import type { WebhookError } from '../errors.js';
import { type Reporting, report } from '../observe/report.js';
import type { ErrorInfo } from '../receiver/options.js';
import { type ResultMeta, refusal, type WebhookResult } from './result.js';

/** The 5xx answer for a delivery: reported first, the error kept in `meta` for observers. */
export async function failed(reporting: Reporting, meta: ResultMeta, error: WebhookError): Promise<WebhookResult> {
  await report(reporting, error, errorInfo(meta));
  meta.error = error;
  return refusal(error.code, { meta });
}

/** What `onError` is told about the delivery. */
export function errorInfo(meta: ResultMeta): ErrorInfo {
  const { event, idempotencyKey } = meta;
  return idempotencyKey === undefined ? { event: event as string } : { event: event as string, idempotencyKey };
}
