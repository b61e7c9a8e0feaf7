import type { Socket } from 'node:net';
import { type AnsweredObservation, createWebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooks } from '@armalo-webhooks/express';
import { describe, expect, it } from 'vitest';
import {
  closeServer,
  delivery,
  EXPRESS_VERSIONS,
  eventually,
  head,
  listen,
  rawClient,
  WEBHOOK_SECRET,
} from './helpers.js';

const PATH = '/webhooks/armalo';
const LIMIT = 1024;
const TOO_LARGE = { code: 'PAYLOAD_TOO_LARGE', details: { limit: LIMIT } };

describe.each(EXPRESS_VERSIONS)('%s body limit and aborts (raw sockets)', (_version, express) => {
  async function start() {
    const calls: string[] = [];
    const answers: AnsweredObservation[] = [];
    const receiver = createWebhookReceiver({
      secret: WEBHOOK_SECRET,
      maxBodyBytes: LIMIT,
      observers: [{ answered: (answer) => answers.push(answer) }],
    });
    receiver.onAny((event) => {
      calls.push(event.event);
    });
    const app = express();
    app.use(PATH, armaloWebhooks(receiver));
    const { server, port } = await listen(app);
    // Server-side sockets, to see when the server has noticed a client going away.
    const serverSockets: Socket[] = [];
    server.on('connection', (socket: Socket) => serverSockets.push(socket));
    return { calls, answers, server, port, serverSockets };
  }

  it('an oversized Content-Length is refused before any body byte is sent, and the connection is closed', async () => {
    const { calls, server, port } = await start();
    try {
      const client = await rawClient(port);
      const signed = delivery();
      // Headers only: the body is never sent, so the answer cannot depend on reading it.
      client.socket.write(head(PATH, { ...signed.headers, 'content-length': String(10 * 1024 * 1024) }));
      const response = await client.response;
      expect(response.body).toMatchObject(TOO_LARGE);
      expect(response.headers.connection).toBe('close');
      await client.closed;
      expect(calls).toEqual([]);
    } finally {
      await closeServer(server);
    }
  });

  it('a chunked body refused mid-stream does not poison the connection: it is closed, and the next one is served', async () => {
    const { calls, server, port } = await start();
    try {
      const client = await rawClient(port);
      const signed = delivery();
      client.socket.write(head(PATH, { ...signed.headers, 'transfer-encoding': 'chunked' }));
      const chunk = 'x'.repeat(300);
      // 4 x 300 bytes crosses the 1024-byte limit; the terminating chunk is never sent.
      for (let i = 0; i < 4; i++) client.socket.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
      const response = await client.response;
      expect(response.body).toMatchObject(TOO_LARGE);
      expect(response.headers.connection).toBe('close');
      // Not poisoned: the server closes this connection instead of parsing the rest as a request.
      await client.closed;

      const next = await rawClient(port);
      const fresh = delivery();
      next.socket.write(head(PATH, { ...fresh.headers, 'content-length': String(fresh.bytes.length) }));
      next.socket.write(fresh.bytes);
      expect((await next.response).body).toEqual({ ok: true });
      next.socket.destroy();
      expect(calls).toEqual(['score.changed']);
    } finally {
      await closeServer(server);
    }
  });

  it('a client that destroys its socket mid-body runs no handler, and the same delivery sent next is processed', async () => {
    const { calls, answers, server, port, serverSockets } = await start();
    try {
      const signed = delivery();
      const client = await rawClient(port);
      client.socket.write(head(PATH, { ...signed.headers, 'content-length': String(signed.bytes.length) }));
      client.socket.write(signed.bytes.subarray(0, Math.floor(signed.bytes.length / 2)));
      await eventually(() => serverSockets.length === 1);
      client.socket.destroy();
      // The aborted exchange has ended (core answered it, for nobody) before the retry arrives.
      await eventually(() => answers.some((answer) => answer.aborted));
      expect(answers).toMatchObject([{ outcome: 'refused', code: 'REQUEST_TIMEOUT', aborted: true }]);
      expect(calls).toEqual([]);

      const retry = await rawClient(port);
      retry.socket.write(head(PATH, { ...signed.headers, 'content-length': String(signed.bytes.length) }));
      retry.socket.write(signed.bytes);
      // Processed (not a duplicate, not 409 DELIVERY_IN_PROGRESS): the aborted attempt claimed nothing.
      const response = await retry.response;
      expect(response.body).toEqual({ ok: true });
      retry.socket.destroy();
      expect(calls).toEqual(['score.changed']);
    } finally {
      await closeServer(server);
    }
  });
});
