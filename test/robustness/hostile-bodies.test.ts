import { gzipSync } from 'node:zlib';
import type { WebhookEvent, WebhookResult } from '@armalo-webhooks/core';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  assertNoLeaks,
  delivery,
  expectTableAnswer,
  type Probe,
  post,
  probeReceiver,
  type RunningServer,
  rawExchange,
  requestHead,
  signed,
  startServer,
} from './harness.js';
import { httpTargets } from './targets.js';

const DEPTH = 100_000;
const now = () => new Date().toISOString();

/** Every case ends with the process still healthy: no pollution, and a normal delivery still goes through. */
async function expectHealthy(probe: Probe): Promise<void> {
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.hasOwn(Object.prototype, 'polluted')).toBe(false);
  expect(Object.keys(Object.prototype)).toEqual([]);
  const before = probe.calls.length;
  const d = delivery();
  const result = await probe.receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
  expect(result.body).toEqual({ ok: true });
  expect(probe.calls.length).toBe(before + 1);
  // Forget the health check's own call, so each case asserts only on what it sent.
  probe.calls.length = before;
}

async function receiveSigned(probe: Probe, body: string | Buffer, headers: Record<string, string> = {}) {
  const result = await probe.receiver.receive({
    rawBody: body,
    headers: { ...signed(body), ...headers },
    method: 'POST',
  });
  expectTableAnswer(result);
  return result;
}

function expectCode(result: WebhookResult, status: number, code: string): void {
  expect({ status: result.status, code: (result.body as { code?: string }).code }).toEqual({ status, code });
  // Error bodies are short whatever the input: nothing of the body is echoed back.
  expect(JSON.stringify(result.body).length).toBeLessThan(2048);
}

afterAll(() => assertNoLeaks());

describe('JSON nested 100,000 levels', () => {
  const arrays = '['.repeat(DEPTH) + ']'.repeat(DEPTH);
  const objects = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
  let probe: Probe;
  beforeAll(() => {
    probe = probeReceiver();
  });
  beforeEach(() => {
    probe.calls.length = 0;
  });
  afterEach(async () => expectHealthy(probe));

  it('unsigned or wrongly signed: 401 before any parsing', async () => {
    expectCode(
      await probe.receiver.receive({ rawBody: arrays, headers: {}, method: 'POST' }),
      401,
      'MISSING_SIGNATURE',
    );
    const wrong = await probe.receiver.receive({
      rawBody: arrays,
      headers: signed(`${arrays} `),
      method: 'POST',
    });
    expectCode(wrong, 401, 'INVALID_SIGNATURE');
    expect(probe.calls).toEqual([]);
  });

  it('signed nested arrays and nested objects: 400 INVALID_ENVELOPE, no stack overflow', async () => {
    expectCode(await receiveSigned(probe, arrays), 400, 'INVALID_ENVELOPE');
    expectCode(await receiveSigned(probe, objects), 400, 'INVALID_ENVELOPE');
    expect(probe.calls).toEqual([]);
  });

  it('signed and unbalanced: 400 INVALID_JSON', async () => {
    expectCode(await receiveSigned(probe, '['.repeat(DEPTH)), 400, 'INVALID_JSON');
    expectCode(await receiveSigned(probe, `${'{"a":'.repeat(DEPTH)}1`), 400, 'INVALID_JSON');
  });

  it('signed deep value inside data of a documented event: 422, issues capped', async () => {
    const body = `{"event":"score.changed","timestamp":"${now()}","data":${objects}}`;
    const result = await receiveSigned(probe, body);
    expectCode(result, 422, 'INVALID_EVENT_DATA');
    const issues = (result.body as unknown as { details: { issues: unknown[] } }).details.issues;
    expect(issues.length).toBeLessThanOrEqual(10);
  });

  it('signed deep value inside data of an undocumented event: delivered as signed (core never recurses)', async () => {
    // A signed body is the provider's: core accepts it and never walks `data` recursively. A handler
    // that recursively serializes such a value is what would overflow; see SECURITY.md.
    let depth = 0;
    const seen = probeReceiver({}, () => {});
    seen.receiver.on('pact.violated', (event) => {
      let node: unknown = (event.data as { x: unknown }).x;
      while (Array.isArray(node) && node.length === 1) {
        node = node[0];
        depth++;
      }
    });
    const body = `{"event":"pact.violated","timestamp":"${now()}","data":{"x":${arrays}}}`;
    const result = await seen.receiver.receive({ rawBody: body, headers: signed(body), method: 'POST' });
    expect(result.body).toEqual({ ok: true });
    expect(depth).toBe(DEPTH - 1);
  });

  it('over a real socket (node handler): 400 INVALID_ENVELOPE and the server keeps serving', async () => {
    const server = await startServer(createNodeHandler(probe.receiver));
    try {
      const answer = await post(server.url, arrays, signed(arrays));
      expect(answer.status).toBe(400);
      expect((answer.body as { code: string }).code).toBe('INVALID_ENVELOPE');
      const d = delivery();
      expect((await post(server.url, d.body, d.headers)).body).toEqual({ ok: true });
    } finally {
      await server.close();
    }
  });
});

describe('very long strings', () => {
  const probe = probeReceiver({ maxBodyBytes: 2 * 1024 * 1024 });
  beforeEach(() => {
    probe.calls.length = 0;
  });
  afterEach(async () => expectHealthy(probe));

  it('a 1.9 MB string in data is delivered intact', async () => {
    const long = 'é'.repeat(950_000);
    let received = -1;
    const local = probeReceiver({ maxBodyBytes: 2 * 1024 * 1024 });
    local.receiver.on('monitoring.alert', (event) => {
      received = String((event.data as { message: string }).message).length;
    });
    const d = delivery('monitoring.alert', { message: long });
    const result = await local.receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
    expect(result.body).toEqual({ ok: true });
    expect(received).toBe(long.length);
  });

  it('a string that takes the body past the limit: 413 before any HMAC or parsing', async () => {
    const d = delivery('monitoring.alert', { message: 'x'.repeat(2 * 1024 * 1024) });
    expectCode(
      await probe.receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' }),
      413,
      'PAYLOAD_TOO_LARGE',
    );
  });

  it('a 1 MB event name is acknowledged as an unknown event; a 1 MB timestamp is 400; neither is echoed', async () => {
    const name = `x.${'y'.repeat(1_000_000)}`;
    const d1 = delivery(name, {});
    const r1 = await probe.receiver.receive({ rawBody: d1.body, headers: d1.headers, method: 'POST' });
    expect(r1.body).toEqual({ ok: true });
    expect(probe.calls.at(-1)).toBe(`unknown:${name}`);
    const body = JSON.stringify({
      event: 'pact.violated',
      timestamp: `2026-01-01T00:00:00${'0'.repeat(1_000_000)}Z`,
      data: {},
    });
    expectCode(await receiveSigned(probe, body), 400, 'INVALID_ENVELOPE');
    const rejecting = probeReceiver({ unknownEvents: 'reject', maxBodyBytes: 2 * 1024 * 1024 });
    const r3 = await rejecting.receiver.receive({ rawBody: d1.body, headers: d1.headers, method: 'POST' });
    expectCode(r3, 400, 'UNKNOWN_EVENT');
  });

  it('a huge signature header: 401 MALFORMED_SIGNATURE', async () => {
    const d = delivery();
    const result = await probe.receiver.receive({
      rawBody: d.body,
      headers: { ...d.headers, 'x-armalo-signature': d.signature.repeat(20_000) },
      method: 'POST',
    });
    expectCode(result, 401, 'MALFORMED_SIGNATURE');
  });
});

describe('__proto__, constructor and prototype keys', () => {
  const hostile = (event: string, data: string) =>
    `{"event":"${event}","timestamp":"${now()}","__proto__":{"polluted":"top"},"constructor":{"prototype":{"polluted":"ctor"}},"data":${data}}`;
  const hostileData =
    '{"__proto__":{"polluted":"data","isAdmin":true},"constructor":{"prototype":{"polluted":"data-ctor"}},"prototype":{"polluted":"p"},"nested":{"__proto__":{"polluted":"nested"}}}';

  function inspect(event: WebhookEvent) {
    const data = event.data as Record<string, unknown>;
    return {
      globalPolluted: ({} as Record<string, unknown>).polluted,
      eventProtoIsObject: Object.getPrototypeOf(event) === Object.prototype,
      dataProtoIsObject: Object.getPrototypeOf(data) === Object.prototype,
      dataPolluted: data.polluted,
      dataIsAdmin: data.isAdmin,
      ownProtoKeyOnData: Object.hasOwn(data, '__proto__'),
      ownProtoKeyOnEvent: Object.hasOwn(event, '__proto__'),
      constructorIsData: Object.hasOwn(data, 'constructor'),
      nestedOwnProto: Object.hasOwn(data.nested as object, '__proto__'),
      nestedProtoIsObject: Object.getPrototypeOf(data.nested) === Object.prototype,
      nestedPolluted: (data.nested as Record<string, unknown>).polluted,
      mergedPolluted: (Object.assign({}, data) as Record<string, unknown>).polluted,
    };
  }

  const expected = {
    globalPolluted: undefined,
    eventProtoIsObject: true,
    dataProtoIsObject: true,
    dataPolluted: undefined,
    dataIsAdmin: undefined,
    // zod drops an own `__proto__` key when it copies an object (envelope and data): see SECURITY.md.
    ownProtoKeyOnData: false,
    ownProtoKeyOnEvent: false,
    // Other keys are data and pass through unchanged, as own properties.
    constructorIsData: true,
    // Below `data`'s top level values are as JSON.parse made them: an own key, never a prototype.
    nestedOwnProto: true,
    nestedProtoIsObject: true,
    nestedPolluted: undefined,
    mergedPolluted: undefined,
  };

  it.each([
    ['pact.violated (record schema)', 'pact.violated', hostileData],
    [
      'eval.completed (documented loose object)',
      'eval.completed',
      hostileData.replace(
        '{',
        `{"evalId":"e","agentId":"a","pactId":"p","passed":true,"checksTotal":1,"checksPassed":1,`,
      ),
    ],
    ['an unknown event (onUnknown)', 'escrow.refunded', hostileData],
  ])('%s: no pollution in handlers or afterwards', async (_label, event, data) => {
    const seen: ReturnType<typeof inspect>[] = [];
    const probe = probeReceiver();
    const record = (e: WebhookEvent) => {
      if (Object.hasOwn(e.data, 'nested')) seen.push(inspect(e));
    };
    probe.receiver.onAny((e) => record(e as WebhookEvent));
    probe.receiver.onUnknown((e) => record(e as WebhookEvent));
    const result = await receiveSigned(probe, hostile(event, data));
    expect(result.body).toEqual({ ok: true });
    expect(seen).toEqual([expected]);
    await expectHealthy(probe);
  });

  it('with a user Standard Schema: the same', async () => {
    const seen: ReturnType<typeof inspect>[] = [];
    const probe = probeReceiver({
      schemas: { 'pact.violated': z.looseObject({ nested: z.unknown().optional() }) } as never,
    });
    probe.receiver.on('pact.violated' as never, (e: WebhookEvent) => {
      if (Object.hasOwn(e.data, 'nested')) seen.push(inspect(e));
    });
    const result = await receiveSigned(probe, hostile('pact.violated', hostileData));
    expect(result.body).toEqual({ ok: true });
    expect(seen).toEqual([expected]);
    await expectHealthy(probe);
  });

  it.each(['__proto__', 'constructor', 'toString', 'hasOwnProperty'])(
    'event name %s: an unknown event, acknowledged, no catalog lookup through the prototype',
    async (name) => {
      const probe = probeReceiver();
      const result = await receiveSigned(probe, `{"event":"${name}","timestamp":"${now()}","data":{}}`);
      expect(result.body).toEqual({ ok: true });
      expect(probe.calls).toEqual([`unknown:${name}`]);
      const rejecting = probeReceiver({ unknownEvents: 'reject' });
      expectCode(
        await receiveSigned(rejecting, `{"event":"${name}","timestamp":"${now()}","data":{"n":1}}`),
        400,
        'UNKNOWN_EVENT',
      );
    },
  );

  it('header names that are Object.prototype members read as absent, in handlers too', async () => {
    let values: unknown[] = [];
    const probe = probeReceiver();
    probe.receiver.on('pact.violated', (_event, ctx) => {
      values = ['constructor', '__proto__', 'toString', 'hasOwnProperty'].map((name) => ctx.header(name));
    });
    const d = delivery();
    const result = await probe.receiver.receive({ rawBody: d.body, headers: { ...d.headers }, method: 'POST' });
    expect(result.body).toEqual({ ok: true });
    expect(values).toEqual([undefined, undefined, undefined, undefined]);
  });
});

describe('duplicate keys', () => {
  const probe = probeReceiver();
  beforeEach(() => {
    probe.calls.length = 0;
  });
  afterEach(async () => expectHealthy(probe));

  it('resolve last-wins, like JSON.parse everywhere; the signature covers the whole text', async () => {
    const names: string[] = [];
    const local = probeReceiver({}, (name) => {
      names.push(name);
    });
    const body = `{"event":"pact.violated","event":"escrow.funded","timestamp":"${now()}","data":{"id":"first","id":"last"}}`;
    let id: unknown;
    local.receiver.on('escrow.funded', (event) => {
      id = (event.data as { id: unknown }).id;
    });
    expect((await receiveSigned(local, body)).body).toEqual({ ok: true });
    expect(names).toEqual(['escrow.funded']);
    expect(id).toBe('last');
  });

  it('a last duplicate that is invalid decides the answer', async () => {
    const data = `{"event":"pact.violated","timestamp":"${now()}","data":{},"data":[1]}`;
    expectCode(await receiveSigned(probe, data), 400, 'INVALID_ENVELOPE');
    const old = new Date(Date.now() - 30 * 24 * 3600_000).toISOString();
    const stamp = `{"event":"pact.violated","timestamp":"${now()}","timestamp":"${old}","data":{}}`;
    expectCode(await receiveSigned(probe, stamp), 401, 'TIMESTAMP_OUT_OF_TOLERANCE');
    expect(probe.calls).toEqual([]);
  });
});

describe('byte-order marks and encodings', () => {
  const probe = probeReceiver();
  beforeEach(() => {
    probe.calls.length = 0;
  });
  afterEach(async () => expectHealthy(probe));
  const json = () => JSON.stringify({ event: 'pact.violated', timestamp: now(), data: { bom: true } });
  const BOM = Buffer.from([0xef, 0xbb, 0xbf]);

  it('a UTF-8 BOM signed with the body: verified over the bytes with the BOM, stripped before parsing, 200', async () => {
    const bytes = Buffer.concat([BOM, Buffer.from(json())]);
    expect((await receiveSigned(probe, bytes)).body).toEqual({ ok: true });
    expect(probe.calls).toEqual(['pact.violated']);
  });

  it('a BOM added after signing: 401 INVALID_SIGNATURE (the BOM is part of the signed bytes)', async () => {
    const text = json();
    const result = await probe.receiver.receive({
      rawBody: Buffer.concat([BOM, Buffer.from(text)]),
      headers: signed(text),
      method: 'POST',
    });
    expectCode(result, 401, 'INVALID_SIGNATURE');
  });

  it('two BOMs, a UTF-16 body: 400 INVALID_JSON', async () => {
    expectCode(await receiveSigned(probe, Buffer.concat([BOM, BOM, Buffer.from(json())])), 400, 'INVALID_JSON');
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(json(), 'utf16le')]);
    expectCode(await receiveSigned(probe, utf16), 400, 'INVALID_JSON');
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['an overlong slash', [0xc0, 0xaf]],
    ['an encoded surrogate', [0xed, 0xa0, 0x80]],
    ['a truncated sequence', [0xe2, 0x82]],
    ['0xFF', [0xff]],
    ['a code point past U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
  ])('invalid UTF-8 inside a string value (%s): 400 INVALID_JSON, never U+FFFD', async (_name, bad) => {
    const bytes = Buffer.concat([
      Buffer.from(`{"event":"pact.violated","timestamp":"${now()}","data":{"s":"`),
      Buffer.from(bad),
      Buffer.from('"}}'),
    ]);
    expectCode(await receiveSigned(probe, bytes), 400, 'INVALID_JSON');
    expect(probe.calls).toEqual([]);
  });
});

describe('empty bodies', () => {
  const probe = probeReceiver();
  beforeEach(() => {
    probe.calls.length = 0;
  });
  afterEach(async () => expectHealthy(probe));

  it('unsigned: 401 MISSING_SIGNATURE; signed: 400 INVALID_JSON; whitespace: 400 INVALID_JSON', async () => {
    expectCode(
      await probe.receiver.receive({ rawBody: new Uint8Array(0), headers: {}, method: 'POST' }),
      401,
      'MISSING_SIGNATURE',
    );
    expectCode(await receiveSigned(probe, Buffer.alloc(0)), 400, 'INVALID_JSON');
    expectCode(await receiveSigned(probe, ' \r\n\t'), 400, 'INVALID_JSON');
    expect(probe.calls).toEqual([]);
  });

  it('over a real socket with Content-Length: 0 (signed): 400 INVALID_JSON', async () => {
    const server = await startServer(createNodeHandler(probe.receiver));
    try {
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...signed(''), 'content-length': 0, connection: 'close' }),
        waitMs: 5000,
      });
      expect(exchange.status).toBe(400);
      expect(exchange.text).toContain('"code":"INVALID_JSON"');
    } finally {
      await server.close();
    }
  });
});

describe.each(httpTargets.map((t) => [t.name, t] as const))(
  'Content-Length that lies (raw sockets): %s',
  (_name, target) => {
    let probe: Probe;
    let server: RunningServer;
    beforeAll(async () => {
      probe = probeReceiver({ bodyTimeoutMs: 300 });
      server = await target.mount(probe.receiver);
    });
    afterAll(async () => server.close());
    afterEach(async () => {
      // The server is still serving over HTTP, and nothing ran for the lying request.
      const d = delivery();
      expect((await post(server.url, d.body, d.headers)).body).toEqual({ ok: true });
      await expectHealthy(probe);
    });

    it('declared shorter than sent: the truncated body fails verification (401); the rest is refused, never run', async () => {
      const d = delivery();
      const bytes = Buffer.from(d.body);
      const before = probe.calls.length;
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': bytes.length - 10 }),
        chunks: [bytes.subarray(0, bytes.length - 10), bytes.subarray(bytes.length - 10)],
        gapMs: 100,
        end: 'keep-open',
        waitMs: 5000,
      });
      expect(exchange.status).toBe(401);
      expect(exchange.text).toContain('"code":"INVALID_SIGNATURE"');
      // The 10 leftover bytes are parsed as a next request, which Node refuses, then closes.
      expect(exchange.text).toMatch(/HTTP\/1\.1 400 Bad Request/);
      expect(exchange.closedByServer).toBe(true);
      expect(probe.calls.length).toBe(before);
    });

    it('declared shorter, all bytes at once: the HTTP parser refuses the leftover (400) and closes; nothing runs', async () => {
      const d = delivery();
      const bytes = Buffer.from(d.body);
      const before = probe.calls.length;
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': bytes.length - 10 }),
        chunks: [bytes],
        end: 'keep-open',
        waitMs: 5000,
      });
      // Node answers the parse error of the leftover bytes at once and destroys the socket, which can
      // happen before the first request's 401 is written: either way the socket closes and nothing ran.
      expect(exchange.text).toMatch(/HTTP\/1\.1 400 Bad Request/);
      expect(exchange.closedByServer).toBe(true);
      expect(probe.calls.length).toBe(before);
    });

    it('declared longer than sent, client goes quiet: 408 after bodyTimeoutMs and the socket is closed', async () => {
      const d = delivery();
      const before = probe.calls.length;
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': Buffer.byteLength(d.body) + 100 }),
        chunks: [Buffer.from(d.body)],
        end: 'keep-open',
        waitMs: 5000,
      });
      expect(exchange.status).toBe(408);
      expect(exchange.text).toContain('"code":"REQUEST_TIMEOUT"');
      expect(exchange.text.toLowerCase()).toContain('connection: close');
      expect(exchange.closedByServer).toBe(true);
      expect(exchange.elapsedMs).toBeLessThan(4000);
      expect(probe.calls.length).toBe(before);
    });

    it('declared longer than sent, client half-closes: no answer is owed, the socket closes, nothing runs', async () => {
      const d = delivery();
      const before = probe.calls.length;
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': Buffer.byteLength(d.body) + 100 }),
        chunks: [Buffer.from(d.body)],
        end: 'half-close',
        waitMs: 5000,
      });
      expect(exchange.closedByServer).toBe(true);
      expect(exchange.status === undefined || exchange.status === 400).toBe(true);
      expect(probe.calls.length).toBe(before);
    });

    it('declared longer than sent, client resets: nothing runs', async () => {
      const d = delivery();
      const before = probe.calls.length;
      await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': Buffer.byteLength(d.body) + 100 }),
        chunks: [Buffer.from(d.body)],
        end: 'destroy',
        waitMs: 5000,
      });
      await new Promise((r) => setTimeout(r, 50));
      expect(probe.calls.length).toBe(before);
    });

    it('declared over the limit: 413 at once, before the body is read, connection closed', async () => {
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...delivery().headers, 'content-length': 50 * 1024 * 1024 }),
        end: 'keep-open',
        waitMs: 5000,
      });
      expect(exchange.status).toBe(413);
      expect(exchange.text).toContain('"code":"PAYLOAD_TOO_LARGE"');
      expect(exchange.closedByServer).toBe(true);
    });

    it('Content-Length together with Transfer-Encoding (smuggling shape): refused by the HTTP parser, nothing runs', async () => {
      const d = delivery();
      const before = probe.calls.length;
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': 5, 'transfer-encoding': 'chunked' }),
        chunks: [Buffer.from(`${Buffer.byteLength(d.body).toString(16)}\r\n${d.body}\r\n0\r\n\r\n`)],
        end: 'keep-open',
        waitMs: 5000,
      });
      expect(exchange.status).toBe(400);
      expect(exchange.closedByServer).toBe(true);
      expect(probe.calls.length).toBe(before);
    });

    it('a chunked body (no Content-Length) is read to its end and verified: 200', async () => {
      const d = delivery();
      const half = Math.floor(d.body.length / 2);
      const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'transfer-encoding': 'chunked', connection: 'close' }),
        chunks: [Buffer.from(chunk(d.body.slice(0, half))), Buffer.from(`${chunk(d.body.slice(half))}0\r\n\r\n`)],
        gapMs: 20,
        waitMs: 5000,
      });
      expect(exchange.status).toBe(200);
      expect(exchange.text).toContain('{"ok":true}');
    });
  },
);

describe('compressed bodies', () => {
  const probe = probeReceiver();
  beforeEach(() => {
    probe.calls.length = 0;
  });
  afterEach(async () => expectHealthy(probe));

  it.each(['gzip', 'GZIP ', 'br', 'deflate', 'gzip, identity'])(
    'Content-Encoding %s: 415 UNSUPPORTED_MEDIA_TYPE before verification',
    async (encoding) => {
      const d = delivery();
      const gz = gzipSync(d.body);
      const result = await probe.receiver.receive({
        rawBody: gz,
        headers: { ...signed(gz), 'content-encoding': encoding },
        method: 'POST',
      });
      expectCode(result, 415, 'UNSUPPORTED_MEDIA_TYPE');
      expect(probe.calls).toEqual([]);
    },
  );

  it('gzip bytes signed but not declared: verified, then 400 INVALID_JSON', async () => {
    expectCode(await receiveSigned(probe, gzipSync(delivery().body)), 400, 'INVALID_JSON');
  });

  it('Content-Encoding identity: 200', async () => {
    const d = delivery();
    const result = await probe.receiver.receive({
      rawBody: d.body,
      headers: { ...d.headers, 'content-encoding': 'identity' },
      method: 'POST',
    });
    expect(result.body).toEqual({ ok: true });
  });

  it('over a real socket: 415 and the body is never buffered', async () => {
    const server = await startServer(createNodeHandler(probe.receiver));
    try {
      const d = delivery();
      const gz = gzipSync(d.body);
      const answer = await post(server.url, gz, { ...signed(gz), 'content-encoding': 'gzip' });
      expect(answer.status).toBe(415);
      expect((answer.body as { code: string }).code).toBe('UNSUPPORTED_MEDIA_TYPE');
    } finally {
      await server.close();
    }
  });
});
