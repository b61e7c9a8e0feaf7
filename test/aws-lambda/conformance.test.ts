import { createLambdaHandler } from '@armalo-webhooks/aws-lambda';
import { defineConformanceSuite } from '../conformance/run.js';
import { FIXTURES, fromResult, toEvent } from './events.js';

// Each table request becomes an event of one source, shaped like AWS's documented sample, and the
// handler's result is checked against the shape that source expects before it is compared.
for (const source of FIXTURES) {
  defineConformanceSuite(`aws-lambda createLambdaHandler, ${source} events`, {
    bodyAlwaysRaw: 'the event carries the body itself; no framework can parse it first',
    async mount(fixture) {
      const handler = createLambdaHandler(fixture.receiver);
      return {
        send: async (request) => fromResult(source, await handler(toEvent(source, request) as never)),
        async close() {},
      };
    },
  });
}
