import { defineConformanceSuite, fromFetchResponse, sendHttp } from '../conformance/run.js';
import { buildApp, WEBHOOK_PATH } from './app.js';
import { listen } from './node-server.js';

// On @hono/node-server over real HTTP. A body already parsed means a middleware on the route
// called c.req.json() first, the mistake that loses the signed bytes.
defineConformanceSuite('hono armaloWebhooks on @hono/node-server (real server)', {
  async mount(fixture, { bodyAlreadyParsed }) {
    const server = await listen(buildApp(fixture.receiver, bodyAlreadyParsed ? 'json' : 'nothing'));
    return { send: (request) => sendHttp(`${server.url}${WEBHOOK_PATH}`, request), close: server.close };
  },
});

// A middleware that read c.req.arrayBuffer() first: Hono's cached ArrayBuffer is the exact bytes,
// so every row answers as if nothing had read the body.
defineConformanceSuite('hono armaloWebhooks after a middleware read c.req.arrayBuffer() (app.request)', {
  bodyAlwaysRaw: 'the cached ArrayBuffer is the raw body',
  async mount(fixture) {
    const app = buildApp(fixture.receiver, 'arrayBuffer');
    return {
      async send(request) {
        const init = { method: request.method, headers: request.headers, body: new Uint8Array(request.body) };
        return fromFetchResponse(await app.request(WEBHOOK_PATH, init));
      },
      async close() {},
    };
  },
});
