import type { IncomingMessage, Server } from 'node:http';
import { createFetchHandler } from '@armalo-webhooks/core/fetch';
import { afterAll, describe, expect, it } from 'vitest';
import {
  assertNoLeaks,
  delivery,
  post,
  probeReceiver,
  rawExchange,
  recordText,
  requestHead,
  sleep,
} from './harness.js';
import { httpTargets } from './targets.js';

afterAll(() => assertNoLeaks());

/**
 * Resolves once the server has started reading the bodies of the next `count` requests (core
 * resumes a request stream when it reads it, inside its body slot).
 */
function bodiesBeingRead(server: Server, count: number): Promise<void> {
  let left = count;
  return new Promise((resolve) => {
    const onRequest = (incoming: IncomingMessage) => {
      incoming.once('resume', () => {
        if (--left === 0) resolve();
      });
      if (left - 1 <= 0) server.off('request', onRequest);
    };
    server.prependListener('request', onRequest);
  });
}

/** Resolves once the next request's stream has closed and core has given its slot back. */
function requestClosed(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.prependOnceListener('request', (incoming: IncomingMessage) =>
      incoming.once('close', () => setImmediate(resolve)),
    );
  });
}

const READ_TIMEOUT = 300;

describe.each(httpTargets.map((t) => [t.name, t] as const))('slow and aborted clients: %s', (_name, target) => {
  it('a body trickled slower than bodyTimeoutMs gets 408 and the socket is closed while the client still sends', async () => {
    const probe = probeReceiver({ bodyTimeoutMs: READ_TIMEOUT });
    const server = await target.mount(probe.receiver);
    try {
      const d = delivery();
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': 10_000 }),
        trickleMs: 40,
        waitMs: 5000,
      });
      expect(exchange.status).toBe(408);
      expect(exchange.text).toContain('"code":"REQUEST_TIMEOUT"');
      expect(exchange.text.toLowerCase()).toContain('connection: close');
      // Closed by the server although the client never stopped trickling: not held forever.
      expect(exchange.closedByServer).toBe(true);
      expect(exchange.elapsedMs).toBeLessThan(4000);
      expect(probe.calls).toEqual([]);
      const fresh = delivery();
      expect((await post(server.url, fresh.body, fresh.headers)).body).toEqual({ ok: true });
    } finally {
      await server.close();
    }
  });

  it('a slow body that completes inside bodyTimeoutMs is processed (200)', async () => {
    const probe = probeReceiver({ bodyTimeoutMs: 2000 });
    const server = await target.mount(probe.receiver);
    try {
      const d = delivery();
      const bytes = Buffer.from(d.body);
      const quarter = Math.ceil(bytes.length / 4);
      const exchange = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': bytes.length, connection: 'close' }),
        chunks: [0, 1, 2, 3].map((i) => bytes.subarray(i * quarter, (i + 1) * quarter)),
        gapMs: 50,
        waitMs: 5000,
      });
      expect(exchange.status).toBe(200);
      expect(probe.calls).toEqual(['pact.violated']);
    } finally {
      await server.close();
    }
  });

  it('an aborted upload runs no handler and claims no key: the identical retry gets 200, not 409', async () => {
    const probe = probeReceiver({ bodyTimeoutMs: 5000 });
    const server = await target.mount(probe.receiver);
    try {
      const d = delivery();
      const bytes = Buffer.from(d.body);
      await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': bytes.length }),
        chunks: [bytes.subarray(0, bytes.length - 5)],
        end: 'destroy',
        waitMs: 2000,
      });
      await sleep(50);
      expect(probe.calls).toEqual([]);
      const retry = await post(server.url, d.body, d.headers);
      expect(retry.status).toBe(200);
      expect(retry.body).toEqual({ ok: true });
      expect(probe.calls).toEqual(['pact.violated']);
      expect((await post(server.url, d.body, d.headers)).body).toEqual({ ok: true, duplicate: true });
    } finally {
      await server.close();
    }
  });

  it('a client that hangs up while its handler runs loses nothing: the handler finishes, the retry is a duplicate', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered!: () => void;
    const inHandler = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const probe = probeReceiver({}, async () => {
      entered();
      await gate;
    });
    const server = await target.mount(probe.receiver);
    try {
      const d = delivery();
      const hangUp = rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': Buffer.byteLength(d.body) }),
        chunks: [Buffer.from(d.body)],
        hangUpWhen: inHandler,
        waitMs: 5000,
      });
      await inHandler;
      expect((await hangUp).status).toBeUndefined();
      // While the first attempt holds the key, a retry is told to come back later.
      const during = await post(server.url, d.body, d.headers);
      expect(during.status).toBe(409);
      expect((during.body as { code: string }).code).toBe('DELIVERY_IN_PROGRESS');
      expect(Number(during.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      release();
      await sleep(20);
      expect((await post(server.url, d.body, d.headers)).body).toEqual({ ok: true, duplicate: true });
      expect(probe.calls).toEqual(['pact.violated']);
    } finally {
      release();
      await server.close();
    }
  });

  it('maxConcurrentBodies bounds the bodies buffered at once: 503 SERVER_BUSY with Retry-After, slots come back', async () => {
    const probe = probeReceiver({ maxConcurrentBodies: 2, bodyTimeoutMs: 10_000 });
    const server = await target.mount(probe.receiver);
    try {
      let finishHeld!: () => void;
      const heldUntil = new Promise<void>((resolve) => {
        finishHeld = resolve;
      });
      const reading = bodiesBeingRead(server.server, 2);
      const held = [delivery(), delivery()].map((d) => {
        const bytes = Buffer.from(d.body);
        // All but the last byte now, the last one when the test says: both hold a slot meanwhile.
        return rawExchange(server.port, {
          head: requestHead({ ...d.headers, 'content-length': bytes.length, connection: 'close' }),
          chunks: [bytes.subarray(0, bytes.length - 1)],
          lastChunk: heldUntil.then(() => bytes.subarray(bytes.length - 1)),
          waitMs: 15_000,
        });
      });
      await reading;
      const third = delivery();
      const busy = await post(server.url, third.body, third.headers);
      expect(busy.status).toBe(503);
      expect((busy.body as { code: string }).code).toBe('SERVER_BUSY');
      expect(busy.headers['retry-after']).toBe('1');
      finishHeld();
      const finished = await Promise.all(held);
      expect(finished.map((e) => e.status)).toEqual([200, 200]);
      // Slots were given back: the refused delivery goes through when retried.
      expect((await post(server.url, third.body, third.headers)).body).toEqual({ ok: true });
      expect(probe.calls).toEqual(['pact.violated', 'pact.violated', 'pact.violated']);
    } finally {
      await server.close();
    }
  });

  it('slots are given back after a timeout, an abort, and an oversized body', async () => {
    const probe = probeReceiver({ maxConcurrentBodies: 1, bodyTimeoutMs: 1000, maxBodyBytes: 512 });
    const server = await target.mount(probe.receiver);
    try {
      const d = delivery();
      const timedOut = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': 400 }),
        chunks: [Buffer.from('{')],
        end: 'keep-open',
        waitMs: 3000,
      });
      expect(timedOut.status).toBe(408);
      // Hang up once the server is reading this body (it holds the only slot), then wait for it back.
      const closed = requestClosed(server.server);
      await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'content-length': 400 }),
        chunks: [Buffer.from('{')],
        hangUpWhen: bodiesBeingRead(server.server, 1),
        waitMs: 3000,
      });
      await closed;
      const tooLarge = await rawExchange(server.port, {
        head: requestHead({ ...d.headers, 'transfer-encoding': 'chunked' }),
        chunks: [Buffer.from(`400\r\n${'x'.repeat(0x400)}\r\n`)],
        end: 'keep-open',
        waitMs: 3000,
      });
      expect(tooLarge.status).toBe(413);
      // Answered once the read stopped, so its slot is back already.
      expect(tooLarge.closedByServer).toBe(true);
      expect((await post(server.url, d.body, d.headers)).body).toEqual({ ok: true });
    } finally {
      await server.close();
    }
  });
});

/** A request body stream that sends `chunks`, one every `gapMs`, then stays open forever or errors. */
function streamBody(chunks: Uint8Array[], gapMs: number, then: 'end' | 'hang' | 'error') {
  let cancelled = false;
  let index = 0;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (index < chunks.length) {
        await sleep(gapMs);
        controller.enqueue(chunks[index++] as Uint8Array);
        return;
      }
      if (then === 'end') controller.close();
      else if (then === 'error') controller.error(new Error('client went away'));
      else await new Promise<void>(() => {});
    },
    cancel() {
      cancelled = true;
    },
  });
  return { stream, cancelled: () => cancelled };
}

function streamedRequest(headers: Record<string, string>, body: ReadableStream<Uint8Array>): Request {
  return new Request('http://127.0.0.1/webhooks/armalo', {
    method: 'POST',
    headers,
    body,
    duplex: 'half',
  } as RequestInit);
}

describe('slow and aborted clients: core/fetch createFetchHandler', () => {
  it('a body trickled slower than bodyTimeoutMs gets 408 and the stream is cancelled', async () => {
    const probe = probeReceiver({ bodyTimeoutMs: READ_TIMEOUT });
    const handle = createFetchHandler(probe.receiver);
    const d = delivery();
    const bytes = Buffer.from(d.body);
    const chunks = Array.from({ length: bytes.length }, (_, i) => bytes.subarray(i, i + 1));
    const body = streamBody(chunks, 40, 'end');
    const started = Date.now();
    const response = await handle(streamedRequest(d.headers, body.stream));
    const text = await response.text();
    recordText(text);
    expect(response.status).toBe(408);
    expect(JSON.parse(text).code).toBe('REQUEST_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(3000);
    await sleep(20);
    expect(body.cancelled()).toBe(true);
    expect(probe.calls).toEqual([]);
  });

  it('an aborted body runs nothing and claims nothing: the retry gets 200', async () => {
    const probe = probeReceiver({ bodyTimeoutMs: 2000 });
    const handle = createFetchHandler(probe.receiver);
    const d = delivery();
    const body = streamBody([Buffer.from(d.body.slice(0, 20))], 5, 'error');
    const aborted = await handle(streamedRequest(d.headers, body.stream));
    recordText(await aborted.text());
    expect(aborted.status).toBe(408);
    expect(probe.calls).toEqual([]);
    const retry = await handle(
      new Request('http://127.0.0.1/webhooks/armalo', { method: 'POST', headers: d.headers, body: d.body }),
    );
    expect(await retry.json()).toEqual({ ok: true });
    expect(probe.calls).toEqual(['pact.violated']);
  });

  it('maxConcurrentBodies: the third concurrent body is refused with 503 SERVER_BUSY and Retry-After', async () => {
    const probe = probeReceiver({ maxConcurrentBodies: 2, bodyTimeoutMs: 300 });
    const handle = createFetchHandler(probe.receiver);
    const hanging = [delivery(), delivery()].map((d) =>
      handle(streamedRequest(d.headers, streamBody([Buffer.from('{')], 1, 'hang').stream)),
    );
    await sleep(30);
    const d = delivery();
    const busy = await handle(
      new Request('http://127.0.0.1/webhooks/armalo', { method: 'POST', headers: d.headers, body: d.body }),
    );
    const text = await busy.text();
    recordText(text);
    expect(busy.status).toBe(503);
    expect(JSON.parse(text).code).toBe('SERVER_BUSY');
    expect(busy.headers.get('retry-after')).toBe('1');
    const timedOut = await Promise.all(hanging);
    expect(timedOut.map((r) => r.status)).toEqual([408, 408]);
    const retry = await handle(
      new Request('http://127.0.0.1/webhooks/armalo', { method: 'POST', headers: d.headers, body: d.body }),
    );
    expect(await retry.json()).toEqual({ ok: true });
  });
});
