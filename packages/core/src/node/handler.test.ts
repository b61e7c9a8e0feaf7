import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createWebhookReceiver, type WebhookReceiverOptions, type WebhookResult } from '../index.js';
import { createSignedDelivery, sampleData } from '../testing/index.js';
import { createNodeHandler, handleNodeRequest, writeNodeResult } from './index.js';

const SECRET = 'whsec_node_handler_77aa';
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

function receiverWith(options: Partial<WebhookReceiverOptions> = {}) {
  return createWebhookReceiver({ secret: SECRET, logger: { warn: vi.fn(), error: vi.fn() }, ...options });
}

async function listen(listener: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
}

/** A server that runs handleNodeRequest and exposes what it returned. */
async function listenWithResults(
  receiver: ReturnType<typeof receiverWith>,
  before?: (req: IncomingMessage) => Promise<void>,
) {
  const results: Promise<WebhookResult | undefined>[] = [];
  let seen!: () => void;
  const requestSeen = new Promise<void>((resolve) => {
    seen = resolve;
  });
  const url = await listen((req, res) => {
    seen();
    results.push(
      (async () => {
        await before?.(req);
        return handleNodeRequest(receiver, req, res);
      })(),
    );
  });
  return { url, results, requestSeen };
}

function rawPost(url: string, headers: Record<string, string>) {
  const { hostname, port, pathname } = new URL(url);
  const req = httpRequest({ host: hostname, port, path: pathname, method: 'POST', agent: false, headers });
  req.on('error', () => {});
  req.flushHeaders();
  const response = new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve) => {
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }),
      );
      res.on('error', () => {});
    });
  });
  return { req, response };
}

describe('createNodeHandler over a real server', () => {
  it('answers 200 and runs the handler for a signed delivery', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const url = await listen(createNodeHandler(receiver));
    const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await response.json()).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0].data).toEqual(sampleData('score.changed'));
    expect(handler.mock.calls[0]![1].header('host')).toMatch(/^127\.0\.0\.1:/);
  });

  it('answers duplicate for a second identical delivery', async () => {
    const handler = vi.fn();
    const url = await listen(createNodeHandler(receiverWith().onAny(handler)));
    const { body, headers } = createSignedDelivery('eval.failed', {}, { secret: SECRET });
    await fetch(url, { method: 'POST', body, headers });
    const second = await fetch(url, { method: 'POST', body, headers });
    expect(await second.json()).toEqual({ ok: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('answers 405 with Allow: POST to other methods', async () => {
    const url = await listen(createNodeHandler(receiverWith()));
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const response = await fetch(url, { method });
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe('POST');
      expect(await response.json()).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
  });

  it('answers 415 to a non-JSON content type', async () => {
    const url = await listen(createNodeHandler(receiverWith()));
    const response = await fetch(url, { method: 'POST', body: 'a=1', headers: { 'content-type': 'text/plain' } });
    expect(response.status).toBe(415);
    expect(await response.json()).toMatchObject({ code: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('answers 413 from a declared Content-Length before reading', async () => {
    const handler = vi.fn();
    const url = await listen(createNodeHandler(receiverWith({ maxBodyBytes: 32 }).onAny(handler)));
    const { body, headers } = createSignedDelivery('eval.failed', { pad: 'x'.repeat(64) }, { secret: SECRET });
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(response.status).toBe(413);
    expect(response.headers.get('connection')).toBe('close');
    expect(await response.json()).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: 32 } });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 413 with Connection: close while a chunked body is still streaming', async () => {
    const handler = vi.fn();
    const url = await listen(createNodeHandler(receiverWith({ maxBodyBytes: 32 }).onAny(handler)));
    const { req, response } = rawPost(url, {
      'content-type': 'application/json',
      'x-armalo-signature': 'a'.repeat(64),
    });
    req.write(Buffer.alloc(20, 0x20));
    req.write(Buffer.alloc(20, 0x20)); // never ended
    const answer = await response;
    req.destroy();
    expect(answer.status).toBe(413);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(handler).not.toHaveBeenCalled();
  });

  it('answers 408 with Connection: close when the body does not arrive in time', async () => {
    const url = await listen(createNodeHandler(receiverWith({ bodyTimeoutMs: 50 })));
    const { req, response } = rawPost(url, { 'content-type': 'application/json', 'content-length': '100' });
    req.write('{"ev');
    const answer = await response;
    req.destroy();
    expect(answer.status).toBe(408);
    expect(answer.headers.connection).toBe('close');
    expect(JSON.parse(answer.body)).toMatchObject({ code: 'REQUEST_TIMEOUT' });
  });
});

describe('handleNodeRequest', () => {
  it('runs no handler, claims nothing and answers nothing when the client aborts mid-body', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const { url, results, requestSeen } = await listenWithResults(receiver);
    const { body, headers } = createSignedDelivery('eval.failed', {}, { secret: SECRET });
    const { req } = rawPost(url, { ...headers, 'content-length': String(Buffer.byteLength(body)) });
    req.write(body.slice(0, 10));
    await requestSeen;
    req.destroy();
    await vi.waitFor(() => expect(results).toHaveLength(1));
    expect(await results[0]).toBeUndefined();
    expect(handler).not.toHaveBeenCalled();
    // Nothing was claimed: the full delivery is processed afterwards.
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(await response.json()).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('answers 500 RAW_BODY_UNAVAILABLE at once when a body parser drained the stream', async () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const receiver = createWebhookReceiver({ secret: SECRET, logger, bodyTimeoutMs: 5_000 });
    const { url, results } = await listenWithResults(receiver, async (req) => {
      for await (const _chunk of req) {
        // express.json() or similar ran first
      }
    });
    const { body, headers } = createSignedDelivery('eval.failed', {}, { secret: SECRET });
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(response.status).toBe(500);
    const answer = (await response.json()) as { error: string };
    expect(answer).toMatchObject({ code: 'RAW_BODY_UNAVAILABLE' });
    expect(answer.error).toMatch(/before any body parser/);
    expect((await results[0])?.body).toMatchObject({ code: 'RAW_BODY_UNAVAILABLE' });
    expect(logger.error).toHaveBeenCalledTimes(1);
  });

  it('uses bytes a framework already captured (options.rawBody) and passes context', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const { body, headers } = createSignedDelivery('eval.failed', { via: 'raw' }, { secret: SECRET });
    const url = await listen(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      await handleNodeRequest(receiver, req, res, {
        rawBody: Buffer.concat(chunks),
        context: { framework: 'test' } as never,
      });
    });
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(response.status).toBe(200);
    expect(handler.mock.calls[0]![0].data).toEqual({ via: 'raw' });
    expect(handler.mock.calls[0]![1].framework).toBe('test');
  });

  it('with options.rawBody the method is still checked by receive()', async () => {
    const receiver = receiverWith();
    const url = await listen(async (req, res) => {
      await handleNodeRequest(receiver, req, res, { rawBody: new Uint8Array() });
    });
    const response = await fetch(url, { method: 'PUT', body: '{}' });
    expect(response.status).toBe(405);
  });

  it('answers 503 SERVER_BUSY when every body slot is taken', async () => {
    const receiver = receiverWith({ maxConcurrentBodies: 1 });
    const release = receiver.acquireBodySlot()!;
    const url = await listen(createNodeHandler(receiver));
    const { body, headers } = createSignedDelivery('eval.failed', {}, { secret: SECRET });
    const busy = await fetch(url, { method: 'POST', body, headers });
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('1');
    release();
    expect((await fetch(url, { method: 'POST', body, headers })).status).toBe(200);
  });
});

describe('writeNodeResult', () => {
  it('does nothing once the response has been sent', async () => {
    const url = await listen((_req, res) => {
      res.writeHead(204).end();
      writeNodeResult(res, { status: 500, headers: {}, body: { ok: true }, meta: {} });
    });
    expect((await fetch(url, { method: 'POST' })).status).toBe(204);
  });
});
