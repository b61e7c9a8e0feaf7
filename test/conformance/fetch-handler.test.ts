import { createFetchHandler } from '@armalo-webhooks/core/fetch';
import { defineConformanceSuite, fromFetchResponse, holdFetch, toRequest } from './run.js';

const URL = 'http://localhost/webhooks/armalo';

defineConformanceSuite('core/fetch createFetchHandler', {
  consumes: { parsed: 'request.json() called first', drained: 'request.arrayBuffer() called first' },
  rawBodyFix: /do not call request\.json\(\)/,
  async mount(fixture, { consumed }) {
    const handle = createFetchHandler(fixture.receiver);
    return {
      async send(request) {
        const req = toRequest(URL, request);
        if (consumed === 'parsed') await req.json();
        if (consumed === 'drained') await req.arrayBuffer();
        return fromFetchResponse(await handle(req));
      },
      hold: (request) => holdFetch(handle, URL, request),
      async close() {},
    };
  },
});
