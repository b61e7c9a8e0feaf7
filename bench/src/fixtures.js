// Shared inputs for every benchmark: realistic Armalo deliveries at three sizes, signed the way
// Armalo signs them (lower-case hex HMAC-SHA256 of the raw body in X-Armalo-Signature).
import { createHmac } from 'node:crypto';
import { sampleData } from '@armalo-webhooks/core/testing';

export const SECRET = 'whsec_bench_5f1c7a9e3b2d4f6a8c0e1b3d5f7a9c2e';

/** The sizes the issue asks for, in bytes. */
export const SIZES = [
  { label: '300 B', bytes: 300 },
  { label: '4 KiB', bytes: 4 * 1024 },
  { label: '64 KiB', bytes: 64 * 1024 },
];

// The documented score.changed sample, as the test kit ships it.
const SCORE_DATA = { ...sampleData('score.changed'), agentId: 'agt_7d2c9e41' };

function historyEntry(i) {
  return {
    evalId: `eval_${(0x10000 + i).toString(16)}`,
    at: new Date(Date.UTC(2026, 2, 1) + i * 3_600_000).toISOString(),
    score: 800 + (i % 97),
    passed: i % 7 !== 0,
  };
}

const templates = new Map();

/** How much history and padding makes a body exactly `bytes` long (computed once per size). */
function template(bytes) {
  let t = templates.get(bytes);
  if (t !== undefined) return t;
  const probe = (history, note) =>
    JSON.stringify({
      event: 'score.changed',
      timestamp: new Date(0).toISOString(),
      data: { ...SCORE_DATA, seq: 1_000_000_000, history, note },
    }).length;
  const history = [];
  while (probe([...history, historyEntry(history.length)], '') <= bytes) history.push(historyEntry(history.length));
  if (history.length === 0) {
    t = { history: undefined, note: undefined };
  } else {
    t = { history, note: 'x'.repeat(Math.max(0, bytes - probe(history, ''))) };
  }
  templates.set(bytes, t);
  return t;
}

/**
 * A `score.changed` envelope of `bytes` bytes (4 KiB and 64 KiB exactly; the bare documented
 * payload is about 300 B): the documented payload, plus a `history` array of past evaluations to
 * reach the larger sizes, the way a real payload grows (nested objects, not one long string).
 * `seq` (below 9e9) makes bodies unique without changing their length; `timestamp` defaults to
 * now, so the replay window accepts them.
 */
export function envelopeBody(bytes, seq = 0, timestamp = new Date().toISOString(), agentId = SCORE_DATA.agentId) {
  const { history, note } = template(bytes);
  const data = { ...SCORE_DATA, agentId, seq: 1_000_000_000 + seq };
  if (history !== undefined) Object.assign(data, { history, note });
  return JSON.stringify({ event: 'score.changed', timestamp, data });
}

/** Lower-case hex HMAC-SHA256, as Armalo sends it. */
export function sign(body, secret = SECRET) {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** A signed delivery: the body as a Buffer and a string, the signature, the headers. */
export function delivery(bytes, seq = 0) {
  const text = envelopeBody(bytes, seq);
  const signature = sign(text);
  return {
    text,
    buffer: Buffer.from(text, 'utf8'),
    signature,
    headers: { 'content-type': 'application/json', 'x-armalo-signature': signature },
  };
}

/**
 * `count` distinct signed bodies of about `bytes` bytes, with the headers Node hands a request
 * listener for them: for loops that must not hit the idempotency store's duplicate shortcut.
 * With `agents`, body i is about agent `i % agents` and signed 1 ms after body i - 1, so a
 * freshness guard keyed by agent checks and advances a watermark on every delivery (same lengths).
 */
export function signedPool(bytes, count, { agents } = {}) {
  const startMs = Date.now() - count;
  return Array.from({ length: count }, (_, i) => {
    const text =
      agents === undefined
        ? envelopeBody(bytes, i + 1)
        : envelopeBody(
            bytes,
            i + 1,
            new Date(startMs + i).toISOString(),
            `agt_${(i % agents).toString(16).padStart(8, '0')}`,
          );
    const body = Buffer.from(text, 'utf8');
    const signature = sign(body);
    return {
      body,
      signature,
      headers: {
        'content-type': 'application/json',
        'content-length': String(body.length),
        'x-armalo-signature': signature,
      },
    };
  });
}

let requestSeq = 0;

/**
 * An autocannon `requests` entry that sends a different, correctly signed delivery every time, so
 * no server can answer from a cache or an idempotency shortcut. `style` picks the headers:
 * 'armalo' (X-Armalo-Signature) or 'octokit' (GitHub's x-github-event, x-github-delivery and
 * x-hub-signature-256 = "sha256=" + hex, for @octokit/webhooks' middleware). Signing happens in
 * the load generator and costs the same for every server compared.
 */
export function uniqueRequest({ style = 'armalo', bytes = 300, path = '/webhooks' } = {}) {
  const timestamp = new Date().toISOString();
  return {
    method: 'POST',
    path,
    setupRequest(request) {
      const seq = ++requestSeq;
      const body = envelopeBody(bytes, seq, timestamp);
      const signature = sign(body);
      const headers =
        style === 'octokit'
          ? {
              'content-type': 'application/json',
              'x-github-event': 'push',
              'x-github-delivery': `72d3162e-cc78-11e3-81ab-${String(seq).padStart(12, '0')}`,
              'x-hub-signature-256': `sha256=${signature}`,
            }
          : { 'content-type': 'application/json', 'x-armalo-signature': signature };
      return { ...request, headers, body };
    },
  };
}
