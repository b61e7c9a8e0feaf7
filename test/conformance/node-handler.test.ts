import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { defineConformanceSuite, sendHttp } from './run.js';

/** Drains the stream the way a body parser mounted before the webhook handler would. */
async function consume(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

defineConformanceSuite('core/node createNodeHandler over a real server', {
  async mount(fixture, { bodyAlreadyParsed }) {
    const handle = createNodeHandler(fixture.receiver);
    const server = createServer(async (req, res) => {
      if (bodyAlreadyParsed) await consume(req);
      await handle(req, res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    return {
      send: (request) => sendHttp(`http://127.0.0.1:${port}/webhooks/armalo`, request),
      async close() {
        server.closeAllConnections();
        server.close();
        await once(server, 'close');
      },
    };
  },
});
