import type { RawBody } from '../bytes.js';
import type { WebhookContextExtensions } from '../events/event-types.js';
import type { HeadersInput } from '../headers.js';

/**
 * A Node readable request stream: an `IncomingMessage`, or the stream a framework hands its body
 * parsers (Fastify's `payload`). Written out rather than taken from Node's types, so that core's
 * declarations compile without them (Workers, Edge). `_body` is the flag Express 4's body-parser
 * sets when it read the body.
 */
export interface NodeBodyStream {
  readonly readableEnded?: boolean;
  readonly readableDidRead?: boolean;
  readonly destroyed?: boolean;
  readonly complete?: boolean;
  readonly readable?: boolean;
  readonly readableEncoding?: string | null;
  readonly _body?: boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  removeListener(event: string, listener: (...args: unknown[]) => void): unknown;
  resume(): unknown;
}

/**
 * Where the request's bytes are, as the host holds them. `fix` says, in the host's own terms, how
 * to mount the webhook route so that its body is not read before it: core answers
 * `RAW_BODY_UNAVAILABLE` with it when the body turns out to be gone.
 *
 * @example
 * ```ts
 * const fromExpressRaw: ExchangeBody = { kind: 'bytes', bytes: req.body };
 * const fromLambda: ExchangeBody = { kind: 'base64', text: event.body };
 * const unread: ExchangeBody = { kind: 'node', stream: req, fix: 'Mount the route before express.json()' };
 * const fetchHost: ExchangeBody = { kind: 'web', request, fix: 'Do not call request.json() first' };
 * const parsed: ExchangeBody = { kind: 'consumed', fix: 'Add bodyParser: false to the route config' };
 * ```
 */
export type ExchangeBody =
  /** The exact bytes, already read (`express.raw()`, a verify stash, a Lambda event's text body). */
  | { kind: 'bytes'; bytes: RawBody }
  /**
   * The bytes as base64 text, as a Lambda event carries a body with `isBase64Encoded`: core decodes
   * it strictly, and answers 400 `INVALID_BODY_ENCODING` when it is not canonical base64.
   */
  | { kind: 'base64'; text: string }
  /** An unread Node stream: core reads it within the size limit, the read timeout and a body slot. */
  | { kind: 'node'; stream: NodeBodyStream; fix: string }
  /** A fetch `Request` whose body is unread: core reads its stream the same way. */
  | { kind: 'web'; request: Request; fix: string }
  /** The host already parsed the body into something else: answered at once, naming the fix. */
  | { kind: 'consumed'; fix: string };

/**
 * One HTTP exchange as an adapter hands it to core: the request as the host holds it.
 *
 * @example
 * ```ts
 * const exchange: Exchange = {
 *   method: req.method,
 *   headers: req.headers,
 *   body: { kind: 'node', stream: req, fix: 'Mount the webhook route before any body parser' },
 *   context: { express: { req, res } },
 * };
 * ```
 */
export interface Exchange {
  /** The request method; anything but POST answers 405. Omit only when there is no method to check. */
  method?: string | undefined;
  headers: HeadersInput;
  body: ExchangeBody;
  /** Adapter values handlers reach through `ctx` (for example `ctx.express.req`). */
  context?: WebhookContextExtensions | undefined;
}

/** What reading a stream came to. */
export type BodyRead =
  | { ok: true; bytes: Uint8Array }
  | { ok: false; reason: 'too-large' | 'timeout' | 'aborted' | 'consumed' };

/** The limits a stream is read under. */
export interface ReadLimits {
  maxBodyBytes: number;
  timeoutMs: number;
  /** `Content-Length`, when the request declared one: the body must be exactly that long. */
  declaredLength?: number | undefined;
}
