import { createFetchHandler } from '@armalo-webhooks/core/fetch';
import { defineConformanceSuite, fromFetchResponse } from './run.js';

defineConformanceSuite('core/fetch createFetchHandler', {
  async mount(fixture, { bodyAlreadyParsed }) {
    const handle = createFetchHandler(fixture.receiver);
    return {
      async send(request) {
        const init: RequestInit = {
          method: request.method,
          headers: request.headers,
          body: new Uint8Array(request.body),
        };
        const req = new Request('http://localhost/webhooks/armalo', init);
        if (bodyAlreadyParsed) await req.json();
        return fromFetchResponse(await handle(req));
      },
      async close() {},
    };
  },
});
