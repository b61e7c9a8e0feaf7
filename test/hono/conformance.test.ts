import { defineConformanceSuite, fromFetchResponse, holdHttp, sendHttp, toRequest } from '../conformance/run.js';
import { bodyFirst, buildApp, CONSUMES, RAW_BODY_FIX, WEBHOOK_PATH } from './app.js';
import { listen } from './node-server.js';

// On @hono/node-server over real HTTP: repeated header lines, streamed and held bodies. The body is
// lost when a middleware on the route read it first (c.req.json(), or the Request under c.req).
defineConformanceSuite('hono armaloWebhooks on @hono/node-server (real server)', {
  consumes: CONSUMES,
  rawBodyFix: RAW_BODY_FIX,
  async mount(fixture, { consumed }) {
    const { url, server, close } = await listen(buildApp(fixture.receiver, bodyFirst(consumed)));
    return {
      send: (request) => sendHttp(`${url}${WEBHOOK_PATH}`, request),
      hold: async (request) => {
        await holdHttp(server, `${url}${WEBHOOK_PATH}`, request);
      },
      close,
    };
  },
});

// A middleware that read c.req.arrayBuffer() first: Hono's cached ArrayBuffer is the exact bytes,
// so every row answers as if nothing had read the body, and nothing can lose it.
defineConformanceSuite('hono armaloWebhooks after a middleware read c.req.arrayBuffer() (app.request)', {
  wholeBodiesOnly: 'the middleware reads the whole body before the adapter, so the adapter never streams it',
  async mount(fixture) {
    const app = buildApp(fixture.receiver, 'arrayBuffer');
    return {
      send: async (request) =>
        fromFetchResponse(await app.request(toRequest(`http://localhost${WEBHOOK_PATH}`, request))),
      async close() {},
    };
  },
});
