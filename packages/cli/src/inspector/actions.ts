import { type Inbox, isCatalogEventName } from '@armalo-webhooks/core';
import type { ObservedExchange } from '@armalo-webhooks/inspect';
import type { SecretSource } from '../secrets.js';
import { buildDelivery, type DeliveryResponse, postDelivery } from '../send.js';
import { type LoggedDelivery, ORIGIN_HEADER } from './delivery-log.js';

/** What the buttons act on: where deliveries go, the secret to sign samples with, the inbox. */
export interface ActionTarget {
  /** The receiver's URL: the standalone one, or the app's (`--forward-to`). */
  url: string | undefined;
  secrets: readonly SecretSource[];
  inbox: Inbox | undefined;
}

/**
 * What a button did, for the page: an HTTP answer (the new delivery arrives through the observer),
 * or the id of the inbox job that runs it again.
 */
export type ActionResult =
  | { kind: 'sent'; status: number; outcome: DeliveryResponse['outcome']; code: string | null }
  | { kind: 'inbox-replay'; jobId: string };

/** A refusal the page shows as it is (a 4xx from the inspector). */
export class ActionError extends Error {
  readonly status: number;
  constructor(message: string, status = 400) {
    super(message);
    this.status = status;
  }
}

/**
 * Replay: with an inbox and a stored delivery, a new job for it, so the handlers run again as a new
 * attempt. Otherwise the same bytes with the same signature, sent again to the receiver, which
 * answers as it would a sender's retry (a duplicate, once handled).
 */
export async function replay(target: ActionTarget, entry: LoggedDelivery): Promise<ActionResult> {
  const { exchange } = entry;
  if (target.inbox !== undefined && exchange.deliveryId !== undefined) {
    const jobId = await jobOf(target.inbox, exchange);
    const replayed = jobId === undefined ? undefined : await target.inbox.replay(jobId);
    if (replayed === undefined) throw new ActionError('the inbox no longer holds this delivery', 404);
    return { kind: 'inbox-replay', jobId: replayed };
  }
  const { body: base64 } = resendable(entry);
  const url = requireUrl(target);
  const headers: Record<string, string> = { [ORIGIN_HEADER]: `replay ${entry.id}` };
  const contentType = exchange.headers['content-type'];
  if (contentType !== undefined) headers['content-type'] = contentType;
  const body = Buffer.from(base64, 'base64');
  const response = await postDelivery(
    url,
    { body, signature: exchange.headers['x-armalo-signature'] ?? '' },
    { headers },
  );
  return sent(response);
}

/** Send sample: a delivery of `event` with `data`, signed with the first secret, as Armalo sends it. */
export async function sendSample(target: ActionTarget, event: unknown, data: unknown): Promise<ActionResult> {
  if (typeof event !== 'string' || !isCatalogEventName(event)) throw new ActionError('unknown event');
  const secret = target.secrets[0];
  if (secret === undefined) {
    throw new ActionError(
      'no secret to sign with: start `armalo-webhooks dev` with --secret or $ARMALO_WEBHOOK_SECRET',
    );
  }
  const delivery = buildDelivery({ event, secret: secret.value, ...(data === undefined ? {} : { data }) });
  const response = await postDelivery(requireUrl(target), delivery, { headers: { [ORIGIN_HEADER]: 'sample' } });
  return sent(response);
}

/** Redrive: every dead letter back to the queue, with a fresh attempt budget. */
export async function redrive(target: ActionTarget): Promise<{ moved: number }> {
  if (target.inbox === undefined) {
    throw new ActionError('no inbox attached: start dev with --postgres, --redis or --pglite', 409);
  }
  return { moved: await target.inbox.redrive() };
}

/** The exchange of a delivery that can be sent again: one whose body arrived in full. */
export function resendable(entry: LoggedDelivery): ObservedExchange & { body: string } {
  const { exchange } = entry;
  if (exchange.body === undefined) throw new ActionError('nothing to send again: the body never arrived in full', 409);
  return exchange as ObservedExchange & { body: string };
}

/** Where Replay, Send sample and Copy as curl send to. */
export function requireUrl(target: ActionTarget): string {
  if (target.url === undefined) {
    throw new ActionError('no receiver to send to: start `armalo-webhooks dev` with --forward-to <url>', 409);
  }
  return target.url;
}

function sent(response: DeliveryResponse): ActionResult {
  return { kind: 'sent', status: response.status, outcome: response.outcome, code: response.code ?? null };
}

// Inboxes address jobs by their own id; the observer knows the delivery id. The newest job of
// the delivery is the one to run again.
async function jobOf(inbox: Inbox, exchange: ObservedExchange): Promise<string | undefined> {
  const since = new Date(Date.parse(exchange.receivedAt) - 60_000);
  const entries = await inbox.list({
    since,
    limit: 1000,
    ...(exchange.event === undefined ? {} : { event: exchange.event }),
  });
  return entries.filter((entry) => entry.deliveryId === exchange.deliveryId).at(-1)?.id;
}
