import { defineConformanceSuite } from './run.js';

defineConformanceSuite('receive()', {
  wholeBodiesOnly: 'receive() is handed bytes, with no framework in front of it',
  async mount(fixture) {
    return {
      async send(request) {
        const result = await fixture.receiver.receive({
          rawBody: request.body,
          headers: request.headers,
          method: request.method,
        });
        // What an adapter writes: the status, the headers and the JSON-serialized body.
        return { status: result.status, headers: result.headers, body: JSON.parse(JSON.stringify(result.body)) };
      },
      async close() {},
    };
  },
});
