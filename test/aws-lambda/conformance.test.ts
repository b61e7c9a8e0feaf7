import { createLambdaHandler } from '@armalo-webhooks/aws-lambda';
import { defineConformanceSuite } from '../conformance/run.js';
import { FIXTURES, fromResult, toEvent } from './events.js';

// Each table request becomes an event of one source, shaped like AWS's documented sample, and the
// handler's result is checked against the shape that source expects before it is compared. The
// event carries the body itself, so nothing can read it before the handler (no `consumes`).
for (const source of FIXTURES) {
  defineConformanceSuite(`aws-lambda createLambdaHandler, ${source} events`, {
    wholeBodiesOnly: 'API Gateway, function URLs and ALB receive the whole body before they invoke the function',
    ...(source === 'alb'
      ? { singleHeaderValues: 'an ALB target group without multi-value headers passes only the last value' }
      : {}),
    async mount(fixture) {
      const handler = createLambdaHandler(fixture.receiver);
      return {
        send: async (request) => fromResult(source, await handler(toEvent(source, request) as never)),
        async close() {},
      };
    },
  });
}
