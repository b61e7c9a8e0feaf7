import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type ReadBodyOutcome, readNodeBody } from './read-body.js';

// Real node:http servers on 127.0.0.1:0; each test reads the body inside the request listener.
const servers: Server[] = [];

afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function serve(
  read: (req: IncomingMessage, res: ServerResponse) => Promise<ReadBodyOutcome>,
): Promise<{ port: number; outcome: Promise<ReadBodyOutcome>; requestSeen: Promise<void> }> {
  let seen!: () => void;
  const requestSeen = new Promise<void>((resolve) => {
    seen = resolve;
  });
  let settle!: (outcome: ReadBodyOutcome) => void;
  const outcome = new Promise<ReadBodyOutcome>((resolve) => {
    settle = resolve;
  });
  const server = createServer(async (req, res) => {
    seen();
    const result = await read(req, res);
    settle(result);
    if (!res.headersSent && !res.destroyed) res.writeHead(result.ok ? 200 : 400, { connection: 'close' }).end();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, outcome, requestSeen };
}

/** A client request we drive by hand: headers now, body chunks when we like. */
function openRequest(port: number, headers: Record<string, string> = {}) {
  const req = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/', agent: false, headers });
  req.on('error', () => {}); // the server may close on us; that is the point of several tests
  req.flushHeaders();
  return req;
}

const LIMITS = { maxBodyBytes: 16, timeoutMs: 10_000 };

describe('readNodeBody over a real server', () => {
  it('reads the exact bytes sent, in several chunks', async () => {
    const { port, outcome } = await serve((req) => readNodeBody(req, LIMITS));
    const req = openRequest(port);
    req.write(Buffer.from([0xef, 0xbb, 0xbf, 0x7b]));
    req.write(Buffer.from([0xff, 0xfe, 0x7d]));
    req.end();
    const result = await outcome;
    expect(result.ok).toBe(true);
    expect([...(result as { body: Buffer }).body]).toEqual([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0xfe, 0x7d]);
  });

  it('accepts exactly the limit', async () => {
    const { port, outcome } = await serve((req) => readNodeBody(req, LIMITS));
    openRequest(port).end(Buffer.alloc(16, 0x61));
    expect(await outcome).toMatchObject({ ok: true });
  });

  it('answers an empty body for a request without one', async () => {
    const { port, outcome } = await serve((req) => readNodeBody(req, LIMITS));
    openRequest(port, { 'content-length': '0' }).end();
    const result = await outcome;
    expect(result).toMatchObject({ ok: true });
    expect((result as { body: Buffer }).body.byteLength).toBe(0);
  });

  it('answers too-large as soon as the limit is crossed, without waiting for the rest', async () => {
    const { port, outcome } = await serve((req) => readNodeBody(req, LIMITS));
    const req = openRequest(port); // chunked: no Content-Length to refuse early
    req.write(Buffer.alloc(10));
    req.write(Buffer.alloc(10));
    // The request is never ended: the outcome must not depend on the end of the body.
    expect(await outcome).toEqual({ ok: false, reason: 'too-large' });
    req.destroy();
  });

  it('answers aborted when the client destroys the socket mid-body', async () => {
    const { port, outcome, requestSeen } = await serve((req) => readNodeBody(req, LIMITS));
    const req = openRequest(port, { 'content-length': '100' });
    req.write(Buffer.alloc(5));
    await requestSeen;
    req.destroy();
    expect(await outcome).toEqual({ ok: false, reason: 'aborted' });
  });

  it('answers timeout when the body stops arriving', async () => {
    const { port, outcome } = await serve((req) => readNodeBody(req, { maxBodyBytes: 100, timeoutMs: 50 }));
    const req = openRequest(port, { 'content-length': '100' });
    req.write(Buffer.alloc(5));
    expect(await outcome).toEqual({ ok: false, reason: 'timeout' });
    req.destroy();
  });

  it('reads a stream that middleware paused explicitly, instead of waiting for the timeout', async () => {
    const { port, outcome } = await serve((req) => {
      req.pause();
      return readNodeBody(req, { maxBodyBytes: 100, timeoutMs: 5_000 });
    });
    openRequest(port).end('{"a":1}');
    const result = await outcome;
    expect(result).toMatchObject({ ok: true });
    expect((result as { body: Buffer }).body.toString()).toBe('{"a":1}');
  });

  it('answers consumed at once for a stream a body parser already drained (never waits for the timeout)', async () => {
    const { port, outcome } = await serve(async (req) => {
      for await (const _chunk of req) {
        // a body parser ran first
      }
      return readNodeBody(req, { maxBodyBytes: 100, timeoutMs: 5_000 });
    });
    openRequest(port).end('{"event":"x"}');
    expect(await outcome).toEqual({ ok: false, reason: 'consumed' });
  });

  it('answers consumed for a stream that was partly read', async () => {
    const { port, outcome } = await serve(async (req) => {
      await new Promise<void>((resolve) => req.once('readable', resolve));
      req.read(1);
      return readNodeBody(req, { maxBodyBytes: 100, timeoutMs: 5_000 });
    });
    openRequest(port).end('{"event":"x"}');
    expect(await outcome).toEqual({ ok: false, reason: 'consumed' });
  });
});
