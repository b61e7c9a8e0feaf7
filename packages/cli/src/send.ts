import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { EVENT_CATALOG, isCatalogEventName, outcomeOf } from '@armalo-webhooks/core';
import { createUncheckedDelivery } from '@armalo-webhooks/core/testing';

/**
 * A signed delivery, as Armalo would send it: the exact body bytes and the signature header value.
 *
 * @example
 * ```ts
 * const delivery: Delivery = buildDelivery({ event: 'score.changed', secret });
 * delivery.signature; // lower-case hex HMAC-SHA256 of the signed body
 * ```
 */
export interface Delivery {
  event: string;
  /** The body that is sent. When `tampered`, it differs from the bytes that were signed. */
  body: string;
  /** The `X-Armalo-Signature` header value. */
  signature: string;
  tampered: boolean;
}

/**
 * Options for {@link buildDelivery}.
 *
 * @example
 * ```ts
 * const options: BuildDeliveryOptions = { event: 'eval.failed', secret, data: { evalId: 'eval_1' } };
 * ```
 */
export interface BuildDeliveryOptions {
  event: string;
  secret: string;
  /** The envelope's `data`. Default: the sample of the event's catalog row (`{}` for names the catalog does not know). */
  data?: unknown;
  /** The envelope's `timestamp`. Default: now. A string is used exactly as given. */
  timestamp?: string | Date;
  /** Change the body after signing it, so a correct receiver answers 401. */
  tamper?: boolean;
}

/**
 * Builds the envelope `{ event, timestamp, data }`, serializes it once and signs those bytes.
 * The same options with the same timestamp give the same bytes, which is how a retry looks.
 *
 * @example
 * ```ts
 * import { buildDelivery } from 'armalo-webhooks';
 * const delivery = buildDelivery({ event: 'score.changed', secret: 'whsec_test', timestamp: '2026-03-16T10:05:00.000Z' });
 * ```
 */
export function buildDelivery(options: BuildDeliveryOptions): Delivery {
  const data = options.data !== undefined ? options.data : sampleOf(options.event);
  const signed = createUncheckedDelivery(options.event, data, {
    secret: options.secret,
    ...(options.timestamp === undefined ? {} : { timestamp: options.timestamp }),
  });
  const tampered = options.tamper === true;
  return {
    event: options.event,
    body: tampered ? tamperBody(signed.body) : signed.body,
    signature: signed.signature,
    tampered,
  };
}

/**
 * What happened to one delivery attempt, as the receiver described it.
 * `handled`: 2xx, handlers ran. `queued`: 2xx with `queued: true`, an inbox stored it for a worker.
 * `duplicate`: 2xx with `duplicate: true`, nothing ran. `stale`: 2xx with `stale: true`, older than
 * the newest delivery the receiver handled for its freshness key, nothing ran. `in-progress`: 409 `DELIVERY_IN_PROGRESS`, a
 * concurrent attempt holds the delivery. `rejected`: any other answer.
 *
 * @example
 * ```ts
 * const outcome: Outcome = classifyResponse(200, { ok: true, duplicate: true }); // 'duplicate'
 * ```
 */
export type Outcome = 'handled' | 'queued' | 'duplicate' | 'stale' | 'in-progress' | 'rejected';

/**
 * One answer from the receiver.
 *
 * @example
 * ```ts
 * const response: DeliveryResponse = await postDelivery(url, delivery);
 * console.log(response.status, response.outcome, response.latencyMs.toFixed(1));
 * ```
 */
export interface DeliveryResponse {
  status: number;
  statusText: string;
  /** The response body as text, exactly as received. */
  bodyText: string;
  /** The parsed body, when it is JSON. */
  json?: unknown;
  /** The `code` of an error body (`INVALID_SIGNATURE`, …), when there is one. */
  code?: string;
  outcome: Outcome;
  /**
   * The request alone: from the moment the request goes out on a connected socket to the last byte
   * of the response, in milliseconds. Connecting (DNS, TCP, TLS) is not in it; see `connectMs`.
   */
  latencyMs: number;
  /** The time to open a new connection for this request; absent when a kept-alive one was reused. */
  connectMs?: number;
}

/**
 * Options for {@link postDelivery}.
 *
 * @example
 * ```ts
 * const options: PostOptions = { timeoutMs: 5_000 };
 * ```
 */
export interface PostOptions {
  /** Give up on an answer after this long. Default 10 s. */
  timeoutMs?: number;
  /** More request headers, or replacements for the defaults (`content-type`, `user-agent`). */
  headers?: Record<string, string>;
  /**
   * A `node:http` or `node:https` agent. Default: a new connection per call, closed after it.
   * `sendDelivery` passes a keep-alive agent, so copies after the first reuse their connection.
   */
  agent?: HttpAgent;
}

/**
 * Reads an outcome from a status and a parsed body, by core's rule (`outcomeOf`).
 *
 * @example
 * ```ts
 * classifyResponse(401, { code: 'INVALID_SIGNATURE' }); // 'rejected'
 * ```
 */
export function classifyResponse(status: number, json: unknown): Outcome {
  const outcome = outcomeOf({ status, body: json });
  switch (outcome) {
    case 'handled':
    case 'queued':
    case 'duplicate':
    case 'stale':
      return outcome;
    case 'unknown': // only a receiver knows it; kept here so that a new outcome is a choice, not a default
      return 'handled';
    case 'refused':
      return isRecord(json) && json.code === 'DELIVERY_IN_PROGRESS' ? 'in-progress' : 'rejected';
    case 'failed':
      return 'rejected';
  }
}

/**
 * Checks a URL before anything is sent, so a typo is a one-line error rather than a fetch failure.
 *
 * @example
 * ```ts
 * parseEndpointUrl('http://127.0.0.1:3000/webhooks/armalo');
 * ```
 */
export function parseEndpointUrl(url: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(
      `--url is not a valid URL: "${url}" (expected something like http://127.0.0.1:3000/webhooks/armalo)`,
    );
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new Error(`--url must be http: or https:, got "${parsed.protocol}"`);
  }
  return parsed;
}

/**
 * POSTs one delivery and times it. Throws with a one-line message when the endpoint cannot be
 * reached or does not answer in time; any HTTP answer is a result. Uses `node:http(s)` rather than
 * `fetch`, whose first call in a process loads undici (tens of milliseconds that are the client's,
 * not the receiver's), and because it shows when the connection was made.
 *
 * @example
 * ```ts
 * import { buildDelivery, postDelivery } from 'armalo-webhooks';
 * const delivery = buildDelivery({ event: 'score.changed', secret });
 * const first = await postDelivery('http://127.0.0.1:3000/webhooks/armalo', delivery); // handled
 * const again = await postDelivery('http://127.0.0.1:3000/webhooks/armalo', delivery); // duplicate
 * ```
 */
export function postDelivery(
  url: string,
  delivery: Pick<Delivery, 'signature'> & { body: string | Uint8Array },
  options: PostOptions = {},
): Promise<DeliveryResponse> {
  const endpoint = parseEndpointUrl(url);
  const timeoutMs = options.timeoutMs ?? 10_000;
  const tls = endpoint.protocol === 'https:';
  const body = Buffer.from(delivery.body);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let sentAt = started;
    let connectMs: number | undefined;
    const req = (tls ? httpsRequest : httpRequest)(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'user-agent': 'armalo-webhooks-cli',
        ...options.headers,
        'content-length': body.length,
        'x-armalo-signature': delivery.signature,
      },
      agent: options.agent ?? false,
      signal: AbortSignal.timeout(timeoutMs),
    });
    req.once('socket', (socket: Socket) => {
      if (!socket.connecting) {
        sentAt = performance.now(); // a kept-alive connection: the request goes out now
        return;
      }
      socket.once(tls ? 'secureConnect' : 'connect', () => {
        sentAt = performance.now(); // the buffered request is flushed on connect
        connectMs = sentAt - started;
      });
    });
    req.once('error', (error) =>
      reject(new Error(`cannot reach ${endpoint.href}: ${describeRequestError(error, timeoutMs)}`)),
    );
    req.once('response', (res: IncomingMessage) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.once('error', (error) =>
        reject(new Error(`cannot reach ${endpoint.href}: ${describeRequestError(error, timeoutMs)}`)),
      );
      res.once('end', () => {
        const latencyMs = performance.now() - sentAt;
        const bodyText = Buffer.concat(chunks).toString('utf8');
        const status = res.statusCode ?? 0;
        const json = parseJson(bodyText);
        const code = isRecord(json) && typeof json.code === 'string' ? json.code : undefined;
        resolve({
          status,
          statusText: res.statusMessage ?? '',
          bodyText,
          ...(json === undefined ? {} : { json }),
          ...(code === undefined ? {} : { code }),
          outcome: classifyResponse(status, json),
          latencyMs,
          ...(connectMs === undefined ? {} : { connectMs }),
        });
      });
    });
    req.end(body);
  });
}

/**
 * Options for {@link sendDelivery}.
 *
 * @example
 * ```ts
 * const options: SendOptions = { url, event: 'escrow.released', secret, repeat: 10, concurrency: 5 };
 * ```
 */
export interface SendOptions extends BuildDeliveryOptions, PostOptions {
  url: string;
  /**
   * How many distinct deliveries to send (default 1): each with its own sample data (every `…Id`
   * of the event's sample numbered, `agentId: 'YOUR_AGENT_ID_2'`) and its own timestamp, as a
   * stream of separate events looks. Not with `data` or `timestamp`, which would make them one.
   */
  count?: number;
  /** How many times to send each delivery's bytes (default 1): every copy after the first is a retry. */
  repeat?: number;
  /** How many requests are in flight at once (default 1). */
  concurrency?: number;
  /** Called as each answer arrives, with the request's index (0-based; delivery `index / repeat`, copy `index % repeat`). */
  onResponse?: (response: DeliveryResponse, index: number) => void;
}

/**
 * The delivery that was sent and every answer, in the order the copies were started.
 *
 * @example
 * ```ts
 * const { responses } = await sendDelivery({ url, event: 'score.changed', secret, repeat: 3 });
 * responses.map((r) => r.outcome); // ['handled', 'duplicate', 'duplicate']
 * ```
 */
export interface SendReport {
  /** The first delivery (the only one without `count`). */
  delivery: Delivery;
  /** Every delivery, with `count`. */
  deliveries: Delivery[];
  /** Every answer, in the order the requests were started: each delivery's copies together. */
  responses: DeliveryResponse[];
}

/**
 * Builds, signs and POSTs a delivery (or `count` distinct ones), each `repeat` times, with up to
 * `concurrency` requests in flight, the way `armalo-webhooks send` does. Sending the same bytes
 * many times at once shows deduplication at work: one `handled`, the rest `duplicate` or
 * `in-progress`; `count` shows how a receiver takes a stream of separate deliveries.
 *
 * @example
 * ```ts
 * import { sendDelivery } from 'armalo-webhooks';
 * const { responses } = await sendDelivery({
 *   url: 'http://127.0.0.1:3000/webhooks/armalo',
 *   event: 'score.changed',
 *   secret: process.env.ARMALO_WEBHOOK_SECRET!,
 *   repeat: 10,
 *   concurrency: 5,
 * });
 * console.log(responses.filter((r) => r.outcome === 'handled').length); // 1
 * ```
 */
export async function sendDelivery(options: SendOptions): Promise<SendReport> {
  parseEndpointUrl(options.url);
  const deliveries = buildDeliveries(options);
  const repeat = options.repeat ?? 1;
  const total = deliveries.length * repeat;
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 1, total));
  // One keep-alive connection per lane: the first copy on each pays the connect (reported as
  // connectMs), the rest go out at once.
  const agent =
    options.agent ??
    (new URL(options.url).protocol === 'https:'
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true }));
  const postOptions: PostOptions = {
    agent,
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
  const responses: DeliveryResponse[] = new Array(total);
  let next = 0;
  let failure: unknown;
  const worker = async (): Promise<void> => {
    while (failure === undefined && next < total) {
      const index = next++;
      try {
        const response = await postDelivery(options.url, deliveries[Math.floor(index / repeat)]!, postOptions);
        responses[index] = response;
        options.onResponse?.(response, index);
      } catch (error) {
        failure ??= error;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (options.agent === undefined) agent.destroy();
  }
  if (failure !== undefined) throw failure;
  return { delivery: deliveries[0]!, deliveries, responses };
}

/**
 * One delivery, or `count` distinct ones: the sample's ids numbered per delivery, and timestamps a
 * millisecond apart, so that no two have the same bytes even when the sample has no id.
 */
function buildDeliveries(options: SendOptions): Delivery[] {
  const count = options.count ?? 1;
  if (count === 1) return [buildDelivery(options)];
  if (options.data !== undefined || options.timestamp !== undefined) {
    throw new TypeError(
      'count sends fresh deliveries, each with its own sample data and timestamp: give no data or timestamp',
    );
  }
  const start = Date.now();
  return Array.from({ length: count }, (_, index) =>
    buildDelivery({
      ...options,
      data: numbered(sampleOf(options.event), index + 1),
      timestamp: new Date(start + index),
    }),
  );
}

function sampleOf(event: string): unknown {
  return isCatalogEventName(event) ? EVENT_CATALOG[event].sample : {};
}

/** A copy of `value` whose `…Id` strings (and strings in `…Ids` arrays) end in `_<n>`. */
function numbered(value: unknown, n: number, key = ''): unknown {
  const isId = /Ids?$/.test(key);
  if (typeof value === 'string') return isId ? `${value}_${n}` : value;
  if (Array.isArray(value)) return value.map((item) => numbered(item, n, isId ? key : ''));
  if (!isRecord(value)) return value;
  return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, numbered(item, n, name)]));
}

// Changes the bytes after signing, as an attacker or a meddling proxy would; the result is still
// a valid envelope, so only the signature check can catch it.
function tamperBody(body: string): string {
  const envelope = JSON.parse(body) as Record<string, unknown>;
  const data = isRecord(envelope.data) ? envelope.data : {};
  return JSON.stringify({ ...envelope, data: { ...data, tampered: true } });
}

function describeRequestError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) {
    return `no answer within ${timeoutMs} ms`;
  }
  // Connecting to a name with several addresses (localhost: ::1 and 127.0.0.1) fails with an
  // AggregateError whose own message is empty.
  const causes = error instanceof AggregateError ? error.errors : [error];
  const reasons = causes.map((item) => {
    const { message, code } = item as { message?: string; code?: string };
    return message ? (message.split('\n', 1)[0] ?? message) : (code ?? String(item));
  });
  return [...new Set(reasons)].join('; ');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
