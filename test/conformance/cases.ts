import { createSignedDelivery, createUncheckedDelivery, sampleData, sign } from '@armalo-webhooks/core/testing';
import { OTHER_SECRET, PREVIOUS_SECRET, SECRET, type Setup, SMALL_LIMIT } from './fixture.js';

/**
 * One HTTP request, as bytes on the wire. A header given as an array is sent as repeated header
 * lines where the transport can (fetch joins them with ", ", which core reads the same way).
 */
export interface WireRequest {
  method: string;
  headers: Record<string, string | string[]>;
  body: Buffer;
  /**
   * Send `body` and then keep the request open without ending it: a slow client, or one that
   * sends more than the limit. Only targets that can stream a body run such rows (`slowBodies`).
   */
  hang?: true;
}

/** How a body can be gone before the adapter sees it: parsed into something else, or its stream read. */
export type BodyConsumption = 'parsed' | 'drained';

/** What an adapter answered, normalized for comparison. */
export interface WireResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: unknown;
}

export interface Expectation {
  status: number;
  /** The error code, or `undefined` for a success body. */
  code?: string;
  /** For successes: the exact JSON body. */
  body?: unknown;
  /** Response headers that must be present with these values (lower-case names). */
  headers?: Record<string, string>;
  /** For errors: what `details` must contain. */
  details?: Record<string, unknown>;
  /** For RAW_BODY_UNAVAILABLE: `details.fix` must name this host's fix (the target's `rawBodyFix`). */
  namesHostFix?: true;
}

export interface ConformanceCase {
  name: string;
  setup: Setup;
  /** Requests sent one after the other, each with its expected answer. */
  steps: { request: () => WireRequest; expect: Expectation }[];
  /** Handler calls recorded after all steps (see Fixture.calls). */
  calls: string[];
  /**
   * The adapter must see the body already consumed, the way its host loses it: `parsed` by the
   * framework (Express: express.json() mounted first; fetch: request.json() called first), or
   * `drained` (something read the stream and left nothing). Targets that cannot reach a state say so.
   */
  consumed?: BodyConsumption;
  /**
   * A request sent before the steps whose body never ends, held open while they run: it keeps one
   * of the receiver's body slots taken. Needs a target that streams bodies.
   */
  holding?: () => WireRequest;
}

// Strictly increasing, so that two rows never build identical bytes (which a store would rightly
// answer as a duplicate), however fast they run.
let lastMs = 0;
const now = () => {
  lastMs = Math.max(Date.now(), lastMs + 1);
  return new Date(lastMs);
};
const hoursAgo = (h: number) => new Date(now().getTime() - h * 3600_000);

function post(body: string | Buffer, headers: Record<string, string | string[]>): WireRequest {
  return { method: 'POST', headers, body: Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8') };
}

function signed(event: string, data: unknown, options: { secret?: string; timestamp?: Date } = {}): WireRequest {
  const delivery = createUncheckedDelivery(event, data, {
    secret: options.secret ?? SECRET,
    timestamp: options.timestamp ?? now(),
  });
  return post(delivery.body, delivery.headers);
}

function rawSigned(body: string | Buffer, headers: Record<string, string> = {}): WireRequest {
  return post(body, { 'content-type': 'application/json', 'x-armalo-signature': sign(body, SECRET), ...headers });
}

/** A signed delivery whose Content-Type header is replaced by `contentType` (repeated when an array). */
function withContentType(contentType: string | string[]): () => WireRequest {
  return () => {
    const d = scoreDelivery();
    return { ...d, headers: { ...d.headers, 'content-type': contentType } };
  };
}

const ok = { status: 200, body: { ok: true } } as const;
const unsupported = { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' } as const;
const duplicate = { status: 200, body: { ok: true, duplicate: true } } as const;
const queued = { status: 200, body: { ok: true, queued: true } } as const;
const stale = { status: 200, body: { ok: true, stale: true } } as const;

const scoreDelivery = () => signed('score.changed', sampleData('score.changed'));
// One fixed delivery reused across steps of the same case (a retry resends the same bytes).
function memo(build: () => WireRequest): () => WireRequest {
  let request: WireRequest | undefined;
  return () => {
    request ??= build();
    return request;
  };
}

/**
 * The shared table. Every row of the error table in the design (`api.md`) appears at least once.
 */
export const conformanceCases: ConformanceCase[] = [
  {
    name: 'documented score.changed sample is accepted',
    setup: 'default',
    steps: [{ request: scoreDelivery, expect: ok }],
    calls: ['score.changed'],
  },
  {
    name: 'documented eval.completed sample is accepted',
    setup: 'default',
    steps: [{ request: () => signed('eval.completed', sampleData('eval.completed')), expect: ok }],
    calls: ['eval.completed'],
  },
  {
    name: 'an undocumented-shape event with any object data is accepted',
    setup: 'default',
    steps: [{ request: () => signed('escrow.released', { anything: [1, 2, 3] }), expect: ok }],
    calls: ['escrow.released'],
  },
  {
    name: 'a legacy event name is routed',
    setup: 'default',
    steps: [{ request: () => signed('deal.accepted', { dealId: 'd_1' }), expect: ok }],
    calls: ['deal.accepted'],
  },
  {
    name: 'content type with charset and +json are accepted; a missing content type is accepted',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = createSignedDelivery('eval.failed', { n: 1 }, { secret: SECRET, timestamp: now() });
          return post(d.body, { ...d.headers, 'content-type': 'application/json; charset=utf-8' });
        },
        expect: ok,
      },
      {
        request: () => {
          const d = createSignedDelivery('eval.failed', { n: 2 }, { secret: SECRET, timestamp: now() });
          return post(d.body, { ...d.headers, 'content-type': 'application/vnd.armalo+json' });
        },
        expect: ok,
      },
      {
        request: () => {
          const d = createSignedDelivery('eval.failed', { n: 3 }, { secret: SECRET, timestamp: now() });
          return post(d.body, { 'x-armalo-signature': d.signature });
        },
        expect: ok,
      },
    ],
    calls: ['eval.failed', 'eval.failed', 'eval.failed'],
  },
  {
    name: 'the same delivery twice: handled once, then acknowledged as duplicate',
    setup: 'default',
    steps: (() => {
      const request = memo(scoreDelivery);
      return [
        { request, expect: ok },
        { request, expect: duplicate },
      ];
    })(),
    calls: ['score.changed'],
  },
  {
    name: 'freshness: a delivery older than the newest handled for its key is acknowledged stale and runs nothing',
    setup: 'freshness',
    steps: (() => {
      const newest = now();
      const older = new Date(newest.getTime() - 60_000);
      const score = (at: Date) => () => signed('score.changed', sampleData('score.changed'), { timestamp: at });
      return [
        { request: score(newest), expect: ok },
        // The other event name for the same agent's score shares the watermark.
        {
          request: () => signed('agent.score.changed', sampleData('agent.score.changed'), { timestamp: older }),
          expect: stale,
        },
        { request: score(older), expect: stale },
        // Equal timestamps are not stale.
        {
          request: () =>
            signed(
              'agent.score.changed',
              { ...sampleData('agent.score.changed'), compositeScore: 1 },
              { timestamp: newest },
            ),
          expect: ok,
        },
      ];
    })(),
    calls: ['score.changed', 'agent.score.changed'],
  },
  {
    name: 'a delivery signed with the previous secret verifies during rotation',
    setup: 'rotation',
    steps: [{ request: () => signed('pact.violated', { pactId: 'p_1' }, { secret: PREVIOUS_SECRET }), expect: ok }],
    calls: ['pact.violated'],
  },
  {
    name: 'a method other than POST answers 405 with Allow: POST',
    setup: 'default',
    steps: [
      {
        request: () => ({ ...scoreDelivery(), method: 'PUT' }),
        expect: { status: 405, code: 'METHOD_NOT_ALLOWED', headers: { allow: 'POST' } },
      },
    ],
    calls: [],
  },
  {
    name: 'a non-JSON content type answers 415',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = scoreDelivery();
          return { ...d, headers: { ...d.headers, 'content-type': 'text/plain' } };
        },
        expect: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      },
    ],
    calls: [],
  },
  {
    name: 'a compressed body answers 415',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = scoreDelivery();
          return { ...d, headers: { ...d.headers, 'content-encoding': 'gzip' } };
        },
        expect: { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' },
      },
    ],
    calls: [],
  },
  {
    name: 'a body over the size limit answers 413',
    setup: 'small-limit',
    steps: [
      {
        request: () => signed('monitoring.alert', { padding: 'x'.repeat(SMALL_LIMIT * 2) }),
        expect: { status: 413, code: 'PAYLOAD_TOO_LARGE', details: { limit: SMALL_LIMIT } },
      },
    ],
    calls: [],
  },
  {
    name: 'a body exactly at the size limit is accepted',
    setup: 'small-limit',
    steps: [
      {
        request: () => {
          const base = createSignedDelivery('monitoring.alert', { padding: '' }, { secret: SECRET, timestamp: now() });
          const padding = 'x'.repeat(SMALL_LIMIT - Buffer.byteLength(base.body));
          return signed('monitoring.alert', { padding }, { timestamp: new Date(JSON.parse(base.body).timestamp) });
        },
        expect: ok,
      },
    ],
    calls: ['monitoring.alert'],
  },
  {
    name: 'no signature header answers 401 MISSING_SIGNATURE',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
          return post(d.body, { 'content-type': 'application/json' });
        },
        expect: { status: 401, code: 'MISSING_SIGNATURE' },
      },
    ],
    calls: [],
  },
  {
    name: 'a signature with a sha256= prefix answers 401 MALFORMED_SIGNATURE',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = scoreDelivery();
          return { ...d, headers: { ...d.headers, 'x-armalo-signature': `sha256=${d.headers['x-armalo-signature']}` } };
        },
        expect: { status: 401, code: 'MALFORMED_SIGNATURE' },
      },
    ],
    calls: [],
  },
  {
    name: 'an uppercase signature with surrounding spaces verifies',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = scoreDelivery();
          return {
            ...d,
            headers: {
              ...d.headers,
              'x-armalo-signature': ` ${String(d.headers['x-armalo-signature']).toUpperCase()} `,
            },
          };
        },
        expect: ok,
      },
    ],
    calls: ['score.changed'],
  },
  {
    name: 'a signature from another secret answers 401 INVALID_SIGNATURE',
    setup: 'default',
    steps: [
      {
        request: () => signed('score.changed', sampleData('score.changed'), { secret: OTHER_SECRET }),
        expect: { status: 401, code: 'INVALID_SIGNATURE' },
      },
    ],
    calls: [],
  },
  {
    name: 'one changed byte in the body answers 401 INVALID_SIGNATURE',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = scoreDelivery();
          const body = Buffer.from(d.body);
          body[body.indexOf('862')] = '9'.charCodeAt(0);
          return { ...d, body };
        },
        expect: { status: 401, code: 'INVALID_SIGNATURE' },
      },
    ],
    calls: [],
  },
  {
    name: 're-serialized JSON (other spacing) does not verify',
    setup: 'default',
    steps: [
      {
        request: () => {
          const d = scoreDelivery();
          return { ...d, body: Buffer.from(JSON.stringify(JSON.parse(d.body.toString()), null, 2)) };
        },
        expect: { status: 401, code: 'INVALID_SIGNATURE' },
      },
    ],
    calls: [],
  },
  {
    name: 'a timestamp older than the replay window answers 401',
    setup: 'default',
    steps: [
      {
        request: () => signed('score.changed', sampleData('score.changed'), { timestamp: hoursAgo(24 * 8) }),
        expect: { status: 401, code: 'TIMESTAMP_OUT_OF_TOLERANCE' },
      },
    ],
    calls: [],
  },
  {
    name: 'a timestamp far in the future answers 401',
    setup: 'default',
    steps: [
      {
        request: () => signed('score.changed', sampleData('score.changed'), { timestamp: hoursAgo(-1) }),
        expect: { status: 401, code: 'TIMESTAMP_OUT_OF_TOLERANCE' },
      },
    ],
    calls: [],
  },
  {
    name: 'a retry of a day-old delivery is still accepted',
    setup: 'default',
    steps: [{ request: () => signed('escrow.funded', { escrowId: 'e_1' }, { timestamp: hoursAgo(26) }), expect: ok }],
    calls: ['escrow.funded'],
  },
  {
    name: 'a signed body that is not JSON answers 400 INVALID_JSON',
    setup: 'default',
    steps: [{ request: () => rawSigned('{"event": "score.changed",'), expect: { status: 400, code: 'INVALID_JSON' } }],
    calls: [],
  },
  {
    name: 'a signed body with invalid UTF-8 answers 400 INVALID_JSON',
    setup: 'default',
    steps: [
      {
        request: () =>
          rawSigned(
            Buffer.concat([
              Buffer.from('{"event":"eval.failed","timestamp":"'),
              Buffer.from([0xc3, 0x28]),
              Buffer.from('"}'),
            ]),
          ),
        expect: { status: 400, code: 'INVALID_JSON' },
      },
    ],
    calls: [],
  },
  {
    name: 'a signed JSON body that is not an envelope answers 400 INVALID_ENVELOPE',
    setup: 'default',
    steps: [
      {
        request: () => rawSigned(JSON.stringify({ event: 'score.changed', data: {} })),
        expect: { status: 400, code: 'INVALID_ENVELOPE' },
      },
      {
        request: () => rawSigned(JSON.stringify({ event: 'score.changed', timestamp: now().toISOString(), data: [1] })),
        expect: { status: 400, code: 'INVALID_ENVELOPE' },
      },
      { request: () => rawSigned('[]'), expect: { status: 400, code: 'INVALID_ENVELOPE' } },
    ],
    calls: [],
  },
  {
    name: 'score.changed without a documented field answers 422 INVALID_EVENT_DATA',
    setup: 'default',
    steps: [
      {
        request: () => {
          const { compositeScore: _omitted, ...data } = sampleData('score.changed');
          return signed('score.changed', data);
        },
        expect: { status: 422, code: 'INVALID_EVENT_DATA' },
      },
    ],
    calls: [],
  },
  {
    name: 'a user schema validates its event: 422 when it fails, accepted when it passes',
    setup: 'user-schema',
    steps: [
      { request: () => signed('pact.violated', { notPactId: 1 }), expect: { status: 422, code: 'INVALID_EVENT_DATA' } },
      { request: () => signed('pact.violated', { pactId: 'p_2' }), expect: ok },
    ],
    calls: ['pact.violated'],
  },
  {
    name: 'an unknown event is acknowledged by default and goes to onUnknown',
    setup: 'default',
    steps: [{ request: () => signed('escrow.refunded', { escrowId: 'e_9' }), expect: ok }],
    calls: ['unknown:escrow.refunded'],
  },
  {
    name: "an unknown event answers 400 UNKNOWN_EVENT with unknownEvents: 'reject'",
    setup: 'reject-unknown',
    steps: [{ request: () => signed('escrow.refunded', {}), expect: { status: 400, code: 'UNKNOWN_EVENT' } }],
    calls: [],
  },
  {
    name: 'a delivery another attempt holds answers 409 with Retry-After',
    setup: 'store-busy',
    steps: [
      {
        request: scoreDelivery,
        expect: { status: 409, code: 'DELIVERY_IN_PROGRESS', headers: { 'retry-after': '3' } },
      },
    ],
    calls: [],
  },
  {
    name: 'a failing handler answers 500 and its retry is processed, then deduplicated',
    setup: 'fail-first-call',
    steps: (() => {
      const request = memo(scoreDelivery);
      return [
        { request, expect: { status: 500, code: 'HANDLER_FAILED' } },
        { request, expect: ok },
        { request, expect: duplicate },
      ];
    })(),
    calls: ['failed:score.changed', 'score.changed'],
  },
  {
    name: 'an unreachable idempotency store answers 503 and runs nothing',
    setup: 'store-down',
    steps: [{ request: scoreDelivery, expect: { status: 503, code: 'IDEMPOTENCY_STORE_UNAVAILABLE' } }],
    calls: [],
  },
  {
    name: 'with an inbox: stored and answered queued, no handler runs in the web process; a re-send is a duplicate',
    setup: 'inbox',
    steps: (() => {
      const request = memo(scoreDelivery);
      return [
        { request, expect: queued },
        { request, expect: duplicate },
        { request: () => signed('escrow.funded', { escrowId: 'e_1' }), expect: queued },
      ];
    })(),
    calls: [],
  },
  {
    name: 'with an inbox: a refused delivery is not stored (422 before the inbox)',
    setup: 'inbox',
    steps: [
      {
        request: () => signed('score.changed', { agentId: 'a_1' }),
        expect: { status: 422, code: 'INVALID_EVENT_DATA' },
      },
    ],
    calls: [],
  },
  {
    name: 'an inbox engine that fails answers 503 INBOX_UNAVAILABLE with Retry-After',
    setup: 'inbox-down',
    steps: [
      { request: scoreDelivery, expect: { status: 503, code: 'INBOX_UNAVAILABLE', headers: { 'retry-after': '5' } } },
    ],
    calls: [],
  },
  {
    name: 'an inbox engine that does not answer within inbox.timeoutMs answers 503 INBOX_UNAVAILABLE',
    setup: 'inbox-hung',
    steps: [
      { request: scoreDelivery, expect: { status: 503, code: 'INBOX_UNAVAILABLE', headers: { 'retry-after': '5' } } },
    ],
    calls: [],
  },
  {
    name: 'an inbox holding maxBacklog waiting deliveries answers 503 INBOX_FULL with Retry-After',
    setup: 'inbox-full',
    steps: [{ request: scoreDelivery, expect: { status: 503, code: 'INBOX_FULL', headers: { 'retry-after': '30' } } }],
    calls: [],
  },
  {
    name: 'a body already parsed by the framework answers 500 RAW_BODY_UNAVAILABLE naming the host fix',
    setup: 'default',
    consumed: 'parsed',
    steps: [{ request: scoreDelivery, expect: { status: 500, code: 'RAW_BODY_UNAVAILABLE', namesHostFix: true } }],
    calls: [],
  },
  {
    name: 'a body stream something already read answers 500 RAW_BODY_UNAVAILABLE at once, naming the host fix',
    setup: 'default',
    consumed: 'drained',
    steps: [{ request: scoreDelivery, expect: { status: 500, code: 'RAW_BODY_UNAVAILABLE', namesHostFix: true } }],
    calls: [],
  },
  {
    name: 'a media type that is not RFC 9110 syntax answers 415 (a space, an @, a second slash)',
    setup: 'default',
    steps: ['application/a b+json', 'application/a@b+json', 'application/a/b+json'].map((contentType) => ({
      request: withContentType(contentType),
      expect: unsupported,
    })),
    calls: [],
  },
  {
    name: 'a repeated Content-Type: the first value decides (JSON first is accepted)',
    setup: 'default',
    steps: [{ request: withContentType(['application/json', 'text/plain']), expect: ok }],
    calls: ['score.changed'],
  },
  {
    name: 'a repeated Content-Type: the first value decides (text/plain first answers 415)',
    setup: 'default',
    steps: [{ request: withContentType(['text/plain', 'application/json']), expect: unsupported }],
    calls: [],
  },
  {
    name: 'a chunked body that crosses the limit answers 413 mid-stream and closes the connection',
    setup: 'small-limit',
    steps: [
      {
        request: () => ({ ...scoreDelivery(), body: Buffer.alloc(SMALL_LIMIT + 1, 0x20), hang: true }),
        expect: {
          status: 413,
          code: 'PAYLOAD_TOO_LARGE',
          details: { limit: SMALL_LIMIT },
          headers: { connection: 'close' },
        },
      },
    ],
    calls: [],
  },
  {
    name: 'a body that does not arrive within bodyTimeoutMs answers 408 and closes the connection',
    setup: 'short-body-timeout',
    steps: [
      {
        request: () => {
          const d = scoreDelivery();
          return { ...d, body: d.body.subarray(0, 10), hang: true };
        },
        expect: { status: 408, code: 'REQUEST_TIMEOUT', headers: { connection: 'close' } },
      },
    ],
    calls: [],
  },
  {
    name: 'past maxConcurrentBodies bodies being read, another answers 503 SERVER_BUSY with Retry-After',
    setup: 'one-body-slot',
    holding: () => ({ ...scoreDelivery(), body: Buffer.from('{'), hang: true }),
    steps: [
      {
        request: scoreDelivery,
        expect: { status: 503, code: 'SERVER_BUSY', headers: { 'retry-after': '1', connection: 'close' } },
      },
    ],
    calls: [],
  },
];
