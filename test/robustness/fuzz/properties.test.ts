import { createHmac } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { EVENT_NAMES, type WebhookResult } from '@armalo-webhooks/core';
import { createFetchHandler } from '@armalo-webhooks/core/fetch';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  expectTableAnswer,
  OTHER_SECRET,
  PREVIOUS_SECRET,
  probeReceiver,
  rawExchange,
  recordText,
  SECRET,
  sampleData,
  sentSignature,
  sink,
  startServer,
} from '../harness.js';

/**
 * Property-based tests. FUZZ_RUNS is the total number of cases across this file (default 3,000,
 * a few seconds); `pnpm test:fuzz` sets it to 100,000. FUZZ_SEED replays a failing run: fast-check
 * prints the seed and path of any counterexample.
 */
const TOTAL = Number(process.env.FUZZ_RUNS ?? 3000);
const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);
const WEIGHTS = { arbitrary: 0.34, signed: 0.25, mutations: 0.31, node: 0.05, fetch: 0.05 } as const;
const runs = (name: keyof typeof WEIGHTS) => Math.max(1, Math.ceil(TOTAL * WEIGHTS[name]));
// Generous: the point is the case count, never a timing. ~5 ms per case on a loaded 2-core box.
const timeoutFor = (name: keyof typeof WEIGHTS) => Math.max(30_000, runs(name) * 5);
const params = (name: keyof typeof WEIGHTS) => ({
  numRuns: runs(name),
  ...(SEED === undefined ? {} : { seed: SEED }),
});

const executed: Record<string, number> = {};
/** Answers seen per property, to show each property reached the outcomes it claims to cover. */
const outcomes: Record<string, Record<string, number>> = {};
const tally = (property: string, result: { status: number; body: unknown }) => {
  const code =
    (result.body as { code?: string; duplicate?: boolean }).code ??
    ((result.body as { duplicate?: boolean }).duplicate ? 'duplicate' : String(result.status));
  outcomes[property] ??= {};
  const seen = outcomes[property];
  seen[code] = (seen[code] ?? 0) + 1;
};
const expectCovered = (property: string, codes: string[]) => {
  // Only meaningful once a property has had a fair number of cases.
  if (runs(property as keyof typeof WEIGHTS) < 500) return;
  for (const code of codes)
    expect(outcomes[property]?.[code] ?? 0, `${property} never answered ${code}`).toBeGreaterThan(0);
};
const started = Date.now();
const count = (name: string) => {
  executed[name] = (executed[name] ?? 0) + 1;
};

const HUGE = 'a'.repeat(200_000);
const HUGE_HEX = 'ab'.repeat(50_000);
const OVER_LIMIT_BODY = new Uint8Array(1024 * 1024 + 1).fill(0x7b);

const hex64 = fc.stringMatching(/^[0-9a-fA-F]{64}$/);
const relevantName = fc.constantFrom(
  'x-armalo-signature',
  'X-Armalo-Signature',
  'X-ARMALO-SIGNATURE',
  'content-type',
  'Content-Type',
  'content-length',
  'Content-Length',
  'content-encoding',
  'Content-Encoding',
  'transfer-encoding',
);
const headerName = fc.oneof(
  { weight: 4, arbitrary: relevantName },
  { weight: 2, arbitrary: fc.string({ maxLength: 24 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 24 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'toString', 'get', 'hasOwnProperty', 'valueOf') },
);
const stringValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: 'binary', maxLength: 80 }),
  hex64,
  hex64.map((s) => ` ${s}\t`),
  hex64.map((s) => `sha256=${s}`),
  hex64.map((s) => `${s},${s}`),
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'APPLICATION/JSON',
    'application/vnd.armalo+json',
    'text/plain',
    'multipart/form-data',
    'gzip',
    'identity',
    '',
    ' ',
    '0',
    '-1',
    '1e309',
    'NaN',
    '99999999999999999999',
    '\u0000',
    'é',
    '💥',
    HUGE,
    HUGE_HEX,
  ),
);
const headerValue = fc.oneof(
  { weight: 6, arbitrary: stringValue },
  { weight: 2, arbitrary: fc.array(stringValue, { maxLength: 3 }) },
  {
    weight: 1,
    arbitrary: fc.oneof(fc.integer(), fc.double(), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, -0)),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);
const headerMap = fc.dictionary(headerName, headerValue, { maxKeys: 8 });

/** Plain records (with or without a prototype) or a fetch-`Headers`-like getter, as adapters pass them. */
type HeadersArg = Record<string, unknown> | { get(name: string): string | null };
const headersArg: fc.Arbitrary<HeadersArg> = fc.tuple(headerMap, fc.boolean()).map(([map, asGetter]) => {
  if (!asGetter) return map;
  return {
    get(name: string) {
      for (const [key, value] of Object.entries(map)) {
        if (key.toLowerCase() !== name || value === undefined) continue;
        return Array.isArray(value) ? value.join(', ') : String(value);
      }
      return null;
    },
  };
});

const method = fc.oneof(
  { weight: 4, arbitrary: fc.constant(undefined) },
  { weight: 4, arbitrary: fc.constantFrom('POST', 'post', 'Post') },
  { weight: 1, arbitrary: fc.constantFrom('GET', 'PUT', 'DELETE', 'OPTIONS', '') },
  { weight: 1, arbitrary: fc.string({ maxLength: 10 }) },
);

const isoNear = fc
  .integer({ min: -10 * 24 * 3600_000, max: 10 * 24 * 3600_000 })
  .map((offset) => new Date(Date.now() + offset).toISOString());
const eventName = fc.oneof(
  fc.constantFrom(...EVENT_NAMES),
  // The two documented events, so that random data often fails their schemas (422).
  fc.constantFrom('score.changed', 'eval.completed'),
  fc.constantFrom('escrow.refunded', '', '__proto__', 'constructor', 'toString', 'score.changed\u0000'),
  fc.string({ maxLength: 20 }),
);
const envelopeFields = {
  event: fc.oneof({ weight: 5, arbitrary: eventName }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 1 }) }),
  timestamp: fc.oneof(
    { weight: 5, arbitrary: isoNear },
    { weight: 1, arbitrary: fc.string({ maxLength: 30 }) },
    { weight: 1, arbitrary: fc.constantFrom('2026-02-30T00:00:00Z', '9999-12-31T23:59:59Z', '2026-01-01T00:00:00+01') },
  ),
  data: fc.oneof(
    {
      weight: 4,
      arbitrary: fc.dictionary(fc.string({ maxLength: 10 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 }),
    },
    { weight: 2, arbitrary: fc.constant(sampleData('score.changed')) },
    { weight: 2, arbitrary: fc.constant(sampleData('eval.completed')) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  ),
  extra: fc.jsonValue({ maxDepth: 2 }),
};
const envelopeLike = fc
  .oneof(
    { weight: 3, arbitrary: fc.record(envelopeFields, { requiredKeys: ['event', 'timestamp', 'data'] }) },
    { weight: 1, arbitrary: fc.record(envelopeFields, { requiredKeys: [] }) },
  )
  .chain((envelope) =>
    fc.constantFrom(0, 2, '\t').map((space) => JSON.stringify(envelope, null, space as number | string)),
  );

/** Bodies: random bytes, random text, JSON, envelope-like JSON, and a few fixed hostile shapes. */
const bodyBytes: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: fc.uint8Array({ maxLength: 2048 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 1000 }).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 2, arbitrary: fc.json({ maxDepth: 4 }).map((s) => Buffer.from(s, 'utf8')) },
  { weight: 4, arbitrary: envelopeLike.map((s) => Buffer.from(s, 'utf8')) },
  { weight: 1, arbitrary: envelopeLike.map((s) => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(s)])) },
  { weight: 1, arbitrary: envelopeLike.map((s) => gzipSync(s)) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      new Uint8Array(0),
      Buffer.from('['.repeat(5000)),
      Buffer.from(`${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`),
      Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]),
      Buffer.from('\uFEFF\uFEFF{}'),
      OVER_LIMIT_BODY,
    ),
  },
);

/** The raw body in any of the shapes `receive()` accepts. */
const rawBodyOf = (bytes: Uint8Array, shape: number): Uint8Array | ArrayBuffer | string => {
  if (shape === 0) return bytes;
  if (shape === 1) return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return Buffer.from(bytes).toString('utf8');
};

const hmac = (bytes: Uint8Array | string, secret: string) => createHmac('sha256', secret).update(bytes).digest('hex');

function decodesAsJsonObject(bytes: Uint8Array): Record<string, unknown> | undefined {
  try {
    let text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

const isJson = (bytes: Uint8Array) => {
  try {
    let text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
};

function bodyCode(result: WebhookResult): string | undefined {
  return (result.body as { code?: string }).code;
}

afterAll(() => {
  assertNoLeaks();
  const total = Object.values(executed).reduce((a, b) => a + b, 0);
  console.log(
    `fuzz: ${total} cases in ${Date.now() - started} ms (FUZZ_RUNS=${TOTAL}) ${JSON.stringify(executed)}; ` +
      `${sink.scanned} texts scanned for secrets and signatures; outcomes ${JSON.stringify(outcomes)}`,
  );
});

describe('property: receive() on arbitrary input', () => {
  it(
    'never throws, answers a 4xx row of the error table, runs no handler',
    async () => {
      const probe = probeReceiver({ withOnError: false });
      const started = Date.now();
      await fc.assert(
        fc.asyncProperty(bodyBytes, fc.nat(2), headersArg, method, async (bytes, shape, headers, verb) => {
          count('arbitrary');
          let result: WebhookResult;
          try {
            result = await probe.receiver.receive({
              rawBody: rawBodyOf(bytes, shape),
              headers: headers as never,
              ...(verb === undefined ? {} : { method: verb }),
            });
          } catch (error) {
            throw new Error(`receive() threw: ${String(error)}`);
          }
          expectTableAnswer(result);
          tally('arbitrary', result);
          expect(result.status).toBeGreaterThanOrEqual(400);
          expect(result.status).toBeLessThan(500);
          expect(probe.calls).toEqual([]);
        }),
        params('arbitrary'),
      );
      expect(probe.lines).toEqual([]);
      // Refusals are logged, but a flood of them is not: at most 10 lines a minute per receiver.
      const minutes = Math.floor((Date.now() - started) / 60_000) + 1;
      expect(probe.refusals.length).toBeGreaterThan(0);
      expect(probe.refusals.length).toBeLessThanOrEqual(10 * minutes);
      expectCovered('arbitrary', [
        'MISSING_SIGNATURE',
        'MALFORMED_SIGNATURE',
        'INVALID_SIGNATURE',
        'UNSUPPORTED_MEDIA_TYPE',
        'METHOD_NOT_ALLOWED',
        'PAYLOAD_TOO_LARGE',
      ]);
    },
    timeoutFor('arbitrary'),
  );

  it(
    'with a correct signature over arbitrary bytes: a handler runs exactly when the answer is a first 200',
    async () => {
      const probe = probeReceiver();
      const headerShape = fc.constantFrom('plain', 'upper', 'padded', 'charset', 'no-content-type', 'array');
      await fc.assert(
        fc.asyncProperty(bodyBytes, headerShape, fc.boolean(), async (bytes, shape, replay) => {
          count('signed');
          const signature = hmac(bytes, SECRET);
          sentSignature(signature);
          const headers: Record<string, string | string[]> = {
            'content-type': shape === 'charset' ? 'application/json; charset=utf-8' : 'application/json',
            'x-armalo-signature':
              shape === 'upper' ? signature.toUpperCase() : shape === 'padded' ? `  ${signature} ` : signature,
          };
          if (shape === 'no-content-type') delete headers['content-type'];
          if (shape === 'array') headers['x-armalo-signature'] = [signature];
          const before = probe.calls.length;
          const result = await probe.receiver.receive({ rawBody: bytes, headers, method: 'POST' });
          expectTableAnswer(result);
          tally('signed', result);
          const ran = probe.calls.length - before;
          const body = result.body as { ok?: boolean; duplicate?: boolean };
          if (result.status === 200 && body.duplicate !== true) {
            expect(ran).toBe(1);
            const envelope = decodesAsJsonObject(bytes);
            expect(envelope).toBeDefined();
            const name = probe.calls.at(-1) as string;
            expect(name === envelope?.event || name === `unknown:${String(envelope?.event)}`).toBe(true);
            const at = Date.parse(String(envelope?.timestamp));
            expect(at).toBeGreaterThanOrEqual(Date.now() - 7 * 24 * 3600_000 - 60_000);
            expect(at).toBeLessThanOrEqual(Date.now() + 5 * 60_000);
          } else {
            expect(ran).toBe(0);
            expect(result.status).toBeLessThan(500);
          }
          if (bytes.byteLength > 1024 * 1024) expect(bodyCode(result)).toBe('PAYLOAD_TOO_LARGE');
          else if (bodyCode(result) === 'INVALID_JSON') expect(isJson(bytes)).toBe(false);
          else expect(isJson(bytes)).toBe(true);
          if (replay && result.status === 200) {
            // The same bytes again (a retry or a replay): acknowledged, never run twice.
            const again = await probe.receiver.receive({ rawBody: Buffer.from(bytes), headers, method: 'POST' });
            expectTableAnswer(again);
            tally('signed', again);
            expect(again.body).toEqual({ ok: true, duplicate: true });
            expect(probe.calls.length - before).toBe(ran);
          }
        }),
        params('signed'),
      );
      expect(probe.lines).toEqual([]);
      expectCovered('signed', [
        '200',
        'duplicate',
        'INVALID_JSON',
        'INVALID_ENVELOPE',
        'INVALID_EVENT_DATA',
        'TIMESTAMP_OUT_OF_TOLERANCE',
        'PAYLOAD_TOO_LARGE',
      ]);
    },
    timeoutFor('signed'),
  );
});

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'truncate'; keep: number }
  | { kind: 'extend'; bytes: Uint8Array }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'reencode'; how: 'indent' | 'compact' | 'escape-unicode' | 'reorder' | 'bom' | 'latin1' | 'crlf' }
  | { kind: 'other-secret' }
  | { kind: 'previous-secret-not-configured' }
  | { kind: 'other-body' }
  | { kind: 'signature-case' }
  | { kind: 'signature-padding' }
  | { kind: 'signature-digit'; at: number }
  | { kind: 'signature-length'; delta: number }
  | { kind: 'signature-twice' };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.nat(7) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat() }),
  fc.record({ kind: fc.constant('extend' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
  }),
  fc.record({
    kind: fc.constant('reencode' as const),
    how: fc.constantFrom('indent', 'compact', 'escape-unicode', 'reorder', 'bom', 'latin1', 'crlf'),
  }),
  fc.constant({ kind: 'other-secret' as const }),
  fc.constant({ kind: 'previous-secret-not-configured' as const }),
  fc.constant({ kind: 'other-body' as const }),
  fc.constant({ kind: 'signature-case' as const }),
  fc.constant({ kind: 'signature-padding' as const }),
  fc.record({ kind: fc.constant('signature-digit' as const), at: fc.nat(63) }),
  fc.record({ kind: fc.constant('signature-length' as const), delta: fc.integer({ min: -3, max: 3 }) }),
  fc.constant({ kind: 'signature-twice' as const }),
);

interface Wire {
  bytes: Buffer;
  signature: string | string[];
}

function applyMutation(wire: Wire, m: Mutation): Wire {
  const { bytes } = wire;
  const sig = Array.isArray(wire.signature) ? (wire.signature[0] as string) : wire.signature;
  switch (m.kind) {
    case 'flip': {
      if (bytes.length === 0) return wire;
      const copy = Buffer.from(bytes);
      const at = m.at % copy.length;
      copy[at] = (copy[at] as number) ^ (1 << m.bit);
      return { ...wire, bytes: copy };
    }
    case 'truncate':
      return { ...wire, bytes: bytes.subarray(0, m.keep % Math.max(1, bytes.length)) };
    case 'extend':
      return { ...wire, bytes: Buffer.concat([bytes, m.bytes]) };
    case 'insert': {
      const at = m.at % (bytes.length + 1);
      return { ...wire, bytes: Buffer.concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]) };
    }
    case 'reencode': {
      const text = bytes.toString('utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        return { ...wire, bytes: Buffer.from(`${text} `) };
      }
      const reencoded: Record<typeof m.how, () => Buffer> = {
        indent: () => Buffer.from(JSON.stringify(value, null, 2)),
        // Often byte-identical to what was signed: that is the one allowed way through.
        compact: () => Buffer.from(JSON.stringify(value)),
        'escape-unicode': () =>
          Buffer.from(
            JSON.stringify(value).replace(
              /[\u007f-\uffff]|é/g,
              (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
            ),
          ),
        reorder: () =>
          Buffer.from(JSON.stringify(Object.fromEntries(Object.entries(value as Record<string, unknown>).reverse()))),
        bom: () => Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]),
        latin1: () => Buffer.from(text, 'latin1'),
        crlf: () => Buffer.from(`${text}\r\n`),
      };
      return { ...wire, bytes: reencoded[m.how]() };
    }
    case 'other-secret':
      return { ...wire, signature: hmac(bytes, OTHER_SECRET) };
    case 'previous-secret-not-configured':
      return { ...wire, signature: hmac(bytes, PREVIOUS_SECRET) };
    case 'other-body':
      return { ...wire, signature: hmac(Buffer.concat([bytes, Buffer.from(' ')]), SECRET) };
    case 'signature-case':
      return { ...wire, signature: sig.toUpperCase() };
    case 'signature-padding':
      return { ...wire, signature: ` \t${sig}  ` };
    case 'signature-digit': {
      if (sig.length === 0) return wire;
      const chars = sig.split('');
      const at = m.at % chars.length;
      const current = Number.parseInt(chars[at] as string, 16);
      chars[at] = Number.isNaN(current) ? '0' : ((current + 1) % 16).toString(16);
      return { ...wire, signature: chars.join('') };
    }
    case 'signature-length':
      return { ...wire, signature: m.delta >= 0 ? sig + 'a'.repeat(m.delta) : sig.slice(0, m.delta) };
    case 'signature-twice':
      return { ...wire, signature: [sig, sig] };
  }
}

describe('property: mutations of a valid signed delivery', () => {
  it(
    'never run a handler unless bytes and signature are still a valid pair',
    async () => {
      // No idempotency: every valid delivery runs its handler, so "ran" is exactly "was let in".
      const probe = probeReceiver({ idempotency: false });
      const source = fc.oneof(
        fc.constantFrom('score.changed', 'eval.completed').map((name) => ({ name, data: sampleData(name) })),
        fc.record({
          name: fc.constantFrom('pact.violated', 'escrow.released', 'monitoring.alert'),
          data: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
        }),
        fc.record({
          name: fc.constant('agent.registered'),
          data: fc.record({ name: fc.string({ unit: 'binary', maxLength: 20 }), emoji: fc.constant('é💥') }),
        }),
      );
      await fc.assert(
        fc.asyncProperty(
          source,
          fc.array(mutation, { minLength: 1, maxLength: 3 }),
          async ({ name, data }, mutations) => {
            count('mutations');
            const body = Buffer.from(JSON.stringify({ event: name, timestamp: new Date().toISOString(), data }));
            const original: Wire = { bytes: body, signature: hmac(body, SECRET) };
            let wire = original;
            for (const m of mutations) wire = applyMutation(wire, m);
            const signatures = Array.isArray(wire.signature) ? wire.signature : [wire.signature];
            for (const s of signatures) sentSignature(s);
            const before = probe.calls.length;
            const result = await probe.receiver.receive({
              rawBody: wire.bytes,
              headers: { 'content-type': 'application/json', 'x-armalo-signature': wire.signature },
              method: 'POST',
            });
            expectTableAnswer(result);
            const single = typeof wire.signature === 'string' ? wire.signature.trim().toLowerCase() : undefined;
            const stillValid = single !== undefined && single === hmac(wire.bytes, SECRET);
            tally('mutations', { status: result.status, body: stillValid ? { code: 'still-valid' } : result.body });
            if (stillValid && wire.bytes.equals(body)) {
              // The one exception: the bytes are the signed ones and the signature still matches them
              // (a case or padding change of the header, a re-encoding that gave the same bytes).
              expect(result.status).toBe(200);
              expect(probe.calls.length - before).toBe(1);
            } else if (stillValid) {
              // Other bytes with a valid signature under the real secret: only 'other-body' signs with
              // it, and a later mutation happened to produce exactly that body. It is then a genuinely
              // signed delivery and gets the pipeline's ordinary answer.
              expect(['INVALID_SIGNATURE', 'MALFORMED_SIGNATURE', 'MISSING_SIGNATURE']).not.toContain(bodyCode(result));
              expect(probe.calls.length - before).toBe(result.status === 200 ? 1 : 0);
            } else {
              expect(result.status).toBe(401);
              expect(['INVALID_SIGNATURE', 'MALFORMED_SIGNATURE', 'MISSING_SIGNATURE']).toContain(bodyCode(result));
              expect(probe.calls.length - before).toBe(0);
            }
          },
        ),
        params('mutations'),
      );
      expect(probe.lines).toEqual([]);
      expectCovered('mutations', ['still-valid', 'INVALID_SIGNATURE', 'MALFORMED_SIGNATURE']);
    },
    timeoutFor('mutations'),
  );
});

/** Header names the HTTP parser accepts (tokens) and values it accepts (visible ASCII and obs-text). */
const tokenChars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split('');
const wireName = fc.oneof(
  relevantName.filter((n) => !/^(content-length|transfer-encoding)$/i.test(n)),
  fc.string({ unit: fc.constantFrom(...tokenChars), minLength: 1, maxLength: 20 }).map((n) => `x-${n}`),
);
const wireValue = fc.oneof(
  fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 100 }),
  fc.string({ unit: fc.integer({ min: 0x80, max: 0xff }).map((c) => String.fromCharCode(c)), maxLength: 20 }),
  hex64,
  fc.constantFrom('application/json', 'text/plain', 'gzip', 'identity', 'x'.repeat(8000)),
);

describe('property: arbitrary requests over real sockets', () => {
  it(
    'core/node createNodeHandler: every answer is a table row, nothing unsigned runs, the server stays up',
    async () => {
      const probe = probeReceiver({ maxBodyBytes: 4096 });
      const server = await startServer(createNodeHandler(probe.receiver));
      try {
        await fc.assert(
          fc.asyncProperty(
            fc.uint8Array({ maxLength: 6000 }),
            fc.array(fc.tuple(wireName, wireValue), { maxLength: 6 }),
            fc.boolean(),
            async (bytes, pairs, signIt) => {
              count('node');
              const headers = pairs
                .map(([n, v]) => `${n}: ${v.trim()}`)
                .filter((line) => !/^x-armalo-signature:/i.test(line) || !signIt);
              if (signIt) {
                const signature = hmac(bytes, SECRET);
                sentSignature(signature);
                headers.push(`x-armalo-signature: ${signature}`);
              }
              for (const [, v] of pairs) sentSignature(v);
              const head = `POST /webhooks/armalo HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n${headers.join('\r\n')}${headers.length ? '\r\n' : ''}Content-Length: ${bytes.length}\r\n\r\n`;
              const before = probe.calls.length;
              const exchange = await rawExchange(server.port, {
                head: '',
                chunks: [Buffer.concat([Buffer.from(head, 'latin1'), bytes])],
                waitMs: 5000,
              });
              expect(exchange.closedByServer).toBe(true);
              expect(exchange.status).toBeDefined();
              const json = exchange.text.slice(exchange.text.indexOf('\r\n\r\n') + 4);
              const code = /"code":"([A-Z_]+)"/.exec(json)?.[1];
              if (exchange.status === 431) {
                // Node's own parser refused oversized headers before any of our code ran.
                expect(head.length).toBeGreaterThan(16 * 1024);
                expect(probe.calls.length - before).toBe(0);
              } else if (exchange.status === 200) {
                expect(signIt).toBe(true);
              } else {
                expect(code, exchange.text.slice(0, 300)).toBeDefined();
                expect(probe.calls.length - before).toBe(0);
                expect(exchange.status).toBeLessThan(500);
              }
            },
          ),
          params('node'),
        );
      } finally {
        await server.close();
      }
      expect(probe.lines).toEqual([]);
    },
    timeoutFor('node'),
  );

  it(
    'core/fetch createFetchHandler: every answer is a table row and nothing unsigned runs',
    async () => {
      const probe = probeReceiver({ maxBodyBytes: 4096 });
      const handle = createFetchHandler(probe.receiver);
      await fc.assert(
        fc.asyncProperty(
          fc.uint8Array({ maxLength: 6000 }),
          fc.array(fc.tuple(wireName, wireValue), { maxLength: 6 }),
          fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'GET'),
          fc.boolean(),
          async (bytes, pairs, verb, signIt) => {
            count('fetch');
            const headers = new Headers();
            for (const [n, v] of pairs) {
              try {
                headers.append(n, v);
              } catch {
                // not a valid fetch header value; the HTTP layer would have refused it
              }
              sentSignature(v);
            }
            if (signIt) {
              const signature = hmac(bytes, SECRET);
              sentSignature(signature);
              headers.set('x-armalo-signature', signature);
            }
            const request = new Request('http://127.0.0.1/webhooks/armalo', {
              method: verb,
              headers,
              ...(verb === 'GET' ? {} : { body: bytes }),
            });
            const before = probe.calls.length;
            const response = await handle(request);
            const text = await response.text();
            recordText(text);
            const body = JSON.parse(text) as { ok?: boolean; code?: string };
            if (response.status === 200) {
              expect(signIt && verb === 'POST').toBe(true);
            } else {
              expect(typeof body.code).toBe('string');
              expect(probe.calls.length - before).toBe(0);
              expect(response.status).toBeLessThan(500);
            }
          },
        ),
        params('fetch'),
      );
      expect(probe.lines).toEqual([]);
    },
    timeoutFor('fetch'),
  );
});
