// The equal-work baseline: by hand, as a careful engineer would write it, everything our pipeline
// does for a delivery, so that what the library costs beyond it is its overhead (issue 24). Used by
// the node:http and Fastify equal-work servers in http-server.js, for both the time runs and the
// instruction counts.
//
// The checks, in the pipeline's order: content type, size limit (declared and read), HMAC-SHA256
// compared with timingSafeEqual, fatal UTF-8 decode, JSON.parse, core's own zod envelope and
// score.changed schemas, the replay window, a Map of seen deliveries with an expiry and a cap, and
// a JSON answer.
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { envelopeSchema, scoreChangedDataSchema } from '@armalo-webhooks/core';
import { SECRET } from './fixtures.js';

export const MAX_BODY_BYTES = 1024 * 1024;
const PAST_MS = 7 * 24 * 60 * 60 * 1000;
const FUTURE_MS = 5 * 60 * 1000;
const RETAIN_MS = PAST_MS;
const MAX_ENTRIES = 100_000;
const HEX_64 = /^[0-9a-fA-F]{64}$/;
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json[ \t]*(?:;|$)/i;
const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/** One answer: status and JSON text. */
function answer(status, body) {
  return { status, text: JSON.stringify(body) };
}

/**
 * The checks after the body is in hand, and the seen-deliveries Map with an expiry and a cap.
 * A KeyObject key: on Node 24.21 createHmac with a Buffer key throws and catches twice inside
 * (see docs/benchmarks.md), and a careful engineer would not pay that.
 */
export function createEqualWork() {
  const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const seen = new Map(); // signature -> expiry (ms since the epoch)

  return {
    /** Before reading: the content type and the declared length. Undefined when fine. */
    precheck(contentType, contentLength) {
      if (typeof contentType !== 'string' || !(contentType === 'application/json' || JSON_TYPE.test(contentType))) {
        return answer(415, { error: 'Unsupported content type' });
      }
      if (contentLength !== undefined && Number(contentLength) > MAX_BODY_BYTES) {
        return answer(413, { error: 'Payload too large' });
      }
      return undefined;
    },
    /** After reading: everything else. */
    check(body, signatureHeader) {
      if (typeof signatureHeader !== 'string') return answer(401, { error: 'Missing signature' });
      const signature = signatureHeader.trim();
      if (!HEX_64.test(signature)) return answer(401, { error: 'Malformed signature' });
      const digest = createHmac('sha256', key).update(body).digest();
      if (!timingSafeEqual(digest, Buffer.from(signature, 'hex'))) return answer(401, { error: 'Invalid signature' });
      let value;
      try {
        value = JSON.parse(decoder.decode(body));
      } catch {
        return answer(400, { error: 'Invalid JSON' });
      }
      const envelope = envelopeSchema.safeParse(value);
      if (!envelope.success) return answer(400, { error: 'Invalid envelope' });
      const now = Date.now();
      const at = Date.parse(envelope.data.timestamp);
      if (at < now - PAST_MS || at > now + FUTURE_MS) return answer(400, { error: 'Outside the replay window' });
      const seenKey = signature.toLowerCase();
      const expiry = seen.get(seenKey);
      if (expiry !== undefined && expiry > now) return answer(200, { ok: true, duplicate: true });
      if (envelope.data.event === 'score.changed' && !scoreChangedDataSchema.safeParse(envelope.data.data).success) {
        return answer(400, { error: 'Invalid data' });
      }
      seen.delete(seenKey);
      seen.set(seenKey, now + RETAIN_MS);
      if (seen.size > MAX_ENTRIES) seen.delete(seen.keys().next().value);
      return answer(200, { ok: true });
    },
    headers: HEADERS,
  };
}

/** A node:http request listener doing the equal work: reads with plain listeners, bounded. */
export function equalWorkNodeHandler() {
  const work = createEqualWork();
  const write = (res, { status, text }) => {
    res.writeHead(status, {
      'content-type': HEADERS['content-type'],
      'cache-control': HEADERS['cache-control'],
      'content-length': Buffer.byteLength(text),
    });
    res.end(text);
  };
  return (req, res) => {
    if (req.method !== 'POST') return write(res, answer(405, { error: 'Method not allowed' }));
    const refused = work.precheck(req.headers['content-type'], req.headers['content-length']);
    if (refused !== undefined) return write(res, refused);
    const chunks = [];
    let length = 0;
    let tooLarge = false;
    const timer = setTimeout(() => req.destroy(), 30_000);
    req.on('data', (chunk) => {
      length += chunk.length;
      if (length > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      clearTimeout(timer);
      if (tooLarge) return write(res, answer(413, { error: 'Payload too large' }));
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length);
      write(res, work.check(body, req.headers['x-armalo-signature']));
    });
  };
}

/** A Fastify plugin with one route doing the equal work behind a parseAs: 'buffer' parser. */
export function equalWorkFastifyRoute(path) {
  return async (scope) => {
    const work = createEqualWork();
    scope.addContentTypeParser(
      ['application/json', /^application\/[\w.+-]+\+json/i],
      { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES },
      (_req, body, done) => done(null, body),
    );
    scope.post(path, (request, reply) => {
      const refused = work.precheck(request.headers['content-type'], undefined);
      const { status, text } = refused ?? work.check(request.body, request.headers['x-armalo-signature']);
      reply.code(status).headers(work.headers).send(text);
    });
  };
}
