// Runs the function locally: a signed delivery in an HTTP API (payload 2.0) event, then the same
// event again (a retry), then a tampered copy. Prints what the function returned each time.
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { handler } from './handler.js';

const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), {
  secret: process.env.ARMALO_WEBHOOK_SECRET ?? '',
});
const event = (body: string): APIGatewayProxyEventV2 => ({
  version: '2.0',
  routeKey: 'POST /webhooks/armalo',
  rawPath: '/webhooks/armalo',
  rawQueryString: '',
  headers: { ...delivery.headers, 'content-length': String(Buffer.byteLength(body)) },
  requestContext: {
    accountId: '123456789012',
    apiId: 'local',
    domainName: 'local.execute-api.us-east-1.amazonaws.com',
    domainPrefix: 'local',
    http: { method: 'POST', path: '/webhooks/armalo', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'local' },
    requestId: 'local',
    routeKey: 'POST /webhooks/armalo',
    stage: '$default',
    time: new Date().toUTCString(),
    timeEpoch: Date.now(),
  },
  body,
  isBase64Encoded: false,
});
const context = { awsRequestId: 'local-invoke' } as Context;

for (const [label, body] of [
  ['delivery', delivery.body],
  ['retry', delivery.body],
  ['tampered', delivery.body.replace('862', '962')],
] as const) {
  console.log(label, JSON.stringify(await handler(event(body), context)));
}
