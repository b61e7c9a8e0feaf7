import { defineConformanceSuite, sendHttp } from '../conformance/run.js';
import { buildApp, injectWire, listen, WEBHOOK_PATH } from './app.js';

// The RAW_BODY_UNAVAILABLE row runs too: the app gets a preParsing hook that reads the body stream
// before the plugin's parser, which is how a Fastify app loses the signed bytes.

defineConformanceSuite('fastify plugin through fastify.inject()', {
  async mount(fixture, { bodyAlreadyParsed }) {
    const app = await buildApp(fixture.receiver, { drainBodyFirst: bodyAlreadyParsed });
    await app.ready();
    return { send: (request) => injectWire(app, WEBHOOK_PATH, request), close: () => app.close() };
  },
});

defineConformanceSuite('fastify plugin over a real listen() on 127.0.0.1', {
  async mount(fixture, { bodyAlreadyParsed }) {
    const app = await buildApp(fixture.receiver, { drainBodyFirst: bodyAlreadyParsed });
    const base = await listen(app);
    return { send: (request) => sendHttp(`${base}${WEBHOOK_PATH}`, request), close: () => app.close() };
  },
});
