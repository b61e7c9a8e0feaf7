import type { WebhookOutcome } from '@armalo-webhooks/core';
import type { ObservedAttempt, ObservedExchange } from '@armalo-webhooks/inspect';
import { diagnoseSignature, type Finding } from '../diagnose.js';
import type { SecretSource } from '../secrets.js';
import type { LoggedDelivery } from './delivery-log.js';

/**
 * The verdict on one exchange, in the words the page shows: core's outcome, with a refusal because
 * a concurrent attempt holds the delivery shown as `in-progress`.
 *
 * @example
 * ```ts
 * const verdict: Verdict = verdictOf({ outcome: 'refused', code: 'DELIVERY_IN_PROGRESS' }); // 'in-progress'
 * ```
 */
export type Verdict = WebhookOutcome | 'in-progress';

/** Reads the verdict from core's outcome. */
export function verdictOf(exchange: Pick<ObservedExchange, 'outcome' | 'code'>): Verdict {
  return exchange.code === 'DELIVERY_IN_PROGRESS' ? 'in-progress' : exchange.outcome;
}

/** A row of the list: what reads at a glance. */
export interface DeliverySummary {
  id: string;
  seq: number;
  receivedAt: string;
  event: string | null;
  status: number;
  code: string | null;
  verdict: Verdict;
  latencyMs: number;
  origin: LoggedDelivery['origin'];
  replayOf: string | null;
  /** The latest inbox attempt's outcome, for a queued delivery. */
  attempt: ObservedAttempt['outcome'] | null;
  /** Where the delivery is now, for the badge: the latest attempt's outcome once a worker has one, else the verdict. */
  state: Verdict | ObservedAttempt['outcome'];
}

/** Everything the page shows about one delivery. Never a secret; the signature is masked. */
export interface DeliveryDetail extends DeliverySummary {
  method: string | null;
  headers: [string, string][];
  /** The body as UTF-8 text (the page pretty-prints JSON), or null when it never arrived. */
  payload: string | null;
  /** The exact bytes, base64, for the raw view: what the signature covers. */
  body: string | null;
  bytes: number | null;
  /** What the answer listed as failing validation (`details.issues` of a 422 or a 400 INVALID_ENVELOPE). */
  issues: { path: string; message: string }[] | null;
  secretIndex: number | null;
  deliveryId: string | null;
  error: string | null;
  /** Why the signature failed, from the same checks as `armalo-webhooks verify`. */
  diagnosis: { findings: Finding[]; fixedBy: string | null } | null;
  attempts: ObservedAttempt[];
}

const SIGNATURE_CODES = new Set(['INVALID_SIGNATURE', 'MALFORMED_SIGNATURE', 'MISSING_SIGNATURE']);
const HIDDEN = new Set(['authorization', 'cookie', 'proxy-authorization']);

/** @see DeliverySummary */
export function summarize(entry: LoggedDelivery): DeliverySummary {
  const { exchange } = entry;
  return {
    id: entry.id,
    seq: entry.seq,
    receivedAt: exchange.receivedAt,
    event: exchange.event ?? eventNameOf(exchange) ?? null,
    status: exchange.status,
    code: exchange.code ?? null,
    verdict: verdictOf(exchange),
    latencyMs: exchange.latencyMs,
    origin: entry.origin,
    replayOf: entry.replayOf ?? null,
    attempt: entry.attempts.at(-1)?.outcome ?? null,
    state: entry.attempts.at(-1)?.outcome ?? verdictOf(exchange),
  };
}

/** @see DeliveryDetail */
export function detail(entry: LoggedDelivery, secrets: readonly SecretSource[]): DeliveryDetail {
  const { exchange } = entry;
  const bytes = exchange.body === undefined ? undefined : Buffer.from(exchange.body, 'base64');
  return {
    ...summarize(entry),
    method: exchange.method ?? null,
    headers: Object.entries(exchange.headers).map(([name, value]) => [name, maskHeader(name, value)]),
    payload: bytes === undefined ? null : bytes.toString('utf8'),
    body: exchange.body ?? null,
    bytes: bytes === undefined ? null : bytes.length,
    issues: issuesOf(exchange),
    secretIndex: exchange.secretIndex ?? null,
    deliveryId: exchange.deliveryId ?? null,
    error: exchange.error ?? null,
    diagnosis: diagnosisOf(exchange, bytes, secrets),
    attempts: entry.attempts,
  };
}

/** The signature is not the secret, but it is what an attacker replays: show only its shape. */
export function maskHeader(name: string, value: string): string {
  if (HIDDEN.has(name)) return '(hidden)';
  if (name !== 'x-armalo-signature') return value;
  return value.length <= 8 ? `(${value.length} characters)` : `${value.slice(0, 6)}… (${value.length} characters)`;
}

function diagnosisOf(
  exchange: ObservedExchange,
  bytes: Buffer | undefined,
  secrets: readonly SecretSource[],
): DeliveryDetail['diagnosis'] {
  if (exchange.code === undefined || !SIGNATURE_CODES.has(exchange.code)) return null;
  if (bytes === undefined || secrets.length === 0) return null;
  const diagnosis = diagnoseSignature(bytes, exchange.headers['x-armalo-signature'] ?? '', secrets);
  return { findings: diagnosis.findings, fixedBy: diagnosis.matched?.label ?? null };
}

// Reports can come from another process (ingest): only well-formed issues are shown.
function issuesOf(exchange: ObservedExchange): DeliveryDetail['issues'] {
  const issues = exchange.details?.issues;
  if (!Array.isArray(issues)) return null;
  return issues.filter(
    (issue): issue is { path: string; message: string } =>
      typeof issue?.path === 'string' && typeof issue?.message === 'string',
  );
}

// A refused delivery has no verified event name; the envelope still says what it claims to be.
function eventNameOf(exchange: ObservedExchange): string | undefined {
  if (exchange.body === undefined) return undefined;
  try {
    const envelope = JSON.parse(Buffer.from(exchange.body, 'base64').toString('utf8')) as { event?: unknown };
    return typeof envelope.event === 'string' ? envelope.event : undefined;
  } catch {
    return undefined;
  }
}
