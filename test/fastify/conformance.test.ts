import { defineConformanceSuite, holdHttp, sendHttp } from '../conformance/run.js';
import { buildApp, injectWire, listen, WEBHOOK_PATH } from './app.js';

// The RAW_BODY_UNAVAILABLE rows run too: a preParsing hook that reads the body stream before the
// plugin's parser, or a hook that replaces request.body, is how a Fastify app loses the signed bytes.
const consumes = {
  parsed: 'a preValidation hook replaces request.body',
  drained: 'a preParsing hook reads the payload stream',
};
const rawBodyFix = /preParsing.*request\.body/;

defineConformanceSuite('fastify plugin through fastify.inject()', {
  consumes,
  rawBodyFix,
  wholeBodiesOnly: 'inject() hands Fastify whole bodies',
  async mount(fixture, { consumed }) {
    const app = await buildApp(fixture.receiver, { consumed });
    await app.ready();
    return { send: (request) => injectWire(app, WEBHOOK_PATH, request), close: () => app.close() };
  },
});

defineConformanceSuite('fastify plugin over a real listen() on 127.0.0.1', {
  consumes,
  rawBodyFix,
  async mount(fixture, { consumed }) {
    const app = await buildApp(fixture.receiver, { consumed });
    const base = await listen(app);
    return {
      send: (request) => sendHttp(`${base}${WEBHOOK_PATH}`, request),
      hold: async (request) => {
        await holdHttp(app.server, `${base}${WEBHOOK_PATH}`, request);
      },
      close: () => app.close(),
    };
  },
});
