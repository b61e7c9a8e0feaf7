import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { armaloWebhooks } from '@armalo-webhooks/express';
import { armaloWebhooksPlugin } from '@armalo-webhooks/fastify';
import express from 'express';
import Fastify from 'fastify';
import { type RunningServer, recordText, startServer } from './harness.js';

/**
 * The HTTP servers the socket-level rows run against: each mounts a receiver the way a user of
 * that adapter would and listens on 127.0.0.1 at /webhooks/armalo.
 */
export interface HttpTarget {
  name: string;
  mount(receiver: AnyWebhookReceiver): Promise<RunningServer>;
}

function running(server: Server, close: () => Promise<void>): RunningServer {
  const { port } = server.address() as AddressInfo;
  return { server, port, url: `http://127.0.0.1:${port}/webhooks/armalo`, close };
}

export const nodeTarget: HttpTarget = {
  name: 'core/node createNodeHandler',
  mount: (receiver) => startServer(createNodeHandler(receiver)),
};

export const expressTarget: HttpTarget = {
  name: 'Express 5 armaloWebhooks()',
  async mount(receiver) {
    const app = express();
    app.post('/webhooks/armalo', armaloWebhooks(receiver));
    // A JSON parser for the rest of the app, mounted after the webhook route as documented.
    app.use(express.json());
    const server = app.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return running(server, async () => {
      server.closeAllConnections();
      server.close();
      if (server.listening) await once(server, 'close');
    });
  },
};

export const fastifyTarget: HttpTarget = {
  name: 'Fastify 5 armaloWebhooksPlugin',
  async mount(receiver) {
    // Fastify's own log lines go to the leak scan too (they include the errors core reports).
    const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => recordText(line) } } });
    await app.register(armaloWebhooksPlugin, { receiver, path: '/webhooks/armalo' });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return running(app.server, async () => {
      app.server.closeAllConnections();
      await app.close();
    });
  },
};

export const httpTargets: HttpTarget[] = [nodeTarget, expressTarget, fastifyTarget];
