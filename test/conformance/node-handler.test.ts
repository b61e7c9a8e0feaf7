import { once } from 'node:events';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { defineConformanceSuite, holdHttp, sendHttp } from './run.js';

/** Drains the stream the way a body parser mounted before the webhook handler would. */
async function consume(req: IncomingMessage): Promise<void> {
  for await (const _chunk of req) {
    // discard
  }
}

defineConformanceSuite('core/node createNodeHandler over a real server', {
  consumes: { drained: 'the server reads the request stream before calling the handler' },
  rawBodyFix: /untouched request, before any body parser/,
  async mount(fixture, { consumed }) {
    const handle = createNodeHandler(fixture.receiver);
    const server = createServer(async (req, res) => {
      if (consumed) await consume(req);
      await handle(req, res);
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
    return {
      send: (request) => sendHttp(url, request),
      hold: async (request) => {
        await holdHttp(server, url, request);
      },
      async close() {
        server.closeAllConnections();
        server.close();
        await once(server, 'close');
      },
    };
  },
});
