import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { handleExchange } from '../adapter/index.js';
import { createWebhookReceiver, type WebhookReceiverOptions, type WebhookResult } from '../index.js';
import { createSignedDelivery, sampleData } from '../testing/index.js';
import { createNodeHandler, writeNodeResult } from './index.js';

// What the conformance table cannot see: ctx, what is logged, and what a client that goes away
// leaves behind. Status codes are the table's (test/conformance).

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

describe('createNodeHandler over a real server', () => {
  it('gives handlers the parsed event and the request headers through ctx', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('score.changed', handler);
    const url = await listen(createNodeHandler(receiver));
    const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(await response.json()).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
    expect(handler.mock.calls[0]![0].data).toEqual(sampleData('score.changed'));
    expect(handler.mock.calls[0]![1].header('host')).toMatch(/^127\.0\.0\.1:/);
  });

  it('logs a drained body once per receiver, naming the fix, however many requests hit it', async () => {
    const logger = { warn: vi.fn(), error: vi.fn() };
    const handle = createNodeHandler(createWebhookReceiver({ secret: SECRET, logger }));
    const url = await listen(async (req, res) => {
      for await (const _chunk of req) {
        // a body parser ran first
      }
      await handle(req, res);
    });
    for (const n of [1, 2]) {
      const { body, headers } = createSignedDelivery('eval.failed', { n }, { secret: SECRET });
      const answer = (await (await fetch(url, { method: 'POST', body, headers })).json()) as {
        code: string;
        details: { fix: string };
      };
      expect(answer.code).toBe('RAW_BODY_UNAVAILABLE');
      expect(answer.details.fix).toMatch(/before any body parser/);
    }
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error.mock.calls[0]![0]).toMatch(/RAW_BODY_UNAVAILABLE.*Fix: .*before any body parser/);
  });
});

describe('handleExchange with a Node stream', () => {
  it('runs no handler and claims nothing when the client aborts mid-body; the full delivery runs later', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const results: Promise<WebhookResult>[] = [];
    const url = await listen((req, res) => {
      const result = handleExchange(receiver, {
        method: req.method,
        headers: req.headers,
        body: { kind: 'node', stream: req, fix: 'n/a' },
      });
      results.push(result);
      result.then((answer) => writeNodeResult(res, answer));
    });
    const { body, headers } = createSignedDelivery('eval.failed', {}, { secret: SECRET });
    const { hostname, port, pathname } = new URL(url);
    const req = httpRequest({
      host: hostname,
      port,
      path: pathname,
      method: 'POST',
      agent: false,
      headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
    });
    req.on('error', () => {});
    req.write(body.slice(0, 10));
    await vi.waitFor(() => expect(results).toHaveLength(1));
    req.destroy();
    const aborted = await results[0]!;
    expect(aborted.meta.aborted).toBe(true);
    expect(handler).not.toHaveBeenCalled();
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(await response.json()).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('takes bytes a framework already captured, and passes the adapter context to handlers', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const { body, headers } = createSignedDelivery('eval.failed', { via: 'raw' }, { secret: SECRET });
    const result = await handleExchange(receiver, {
      method: 'POST',
      headers,
      body: { kind: 'bytes', bytes: Buffer.from(body) },
      context: { framework: 'test' } as never,
    });
    expect(result.body).toEqual({ ok: true });
    expect(handler.mock.calls[0]![0].data).toEqual({ via: 'raw' });
    expect(handler.mock.calls[0]![1].framework).toBe('test');
  });

  it('throws a TypeError for something that is not a receiver', () => {
    expect(() =>
      handleExchange({ receive: vi.fn() } as never, { headers: {}, body: { kind: 'consumed', fix: '' } }),
    ).toThrow(TypeError);
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
