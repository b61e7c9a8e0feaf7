// A CommonJS application, as users without "type": "module" write one: every published package
// is ESM only and is loaded here with plain require(), which Node supports from 20.19 and
// 22.12 on (require(esm)). Prints one JSON line with what it saw; require-esm.test.ts runs it.
'use strict';

const express = require('express');
const { EVENT_CATALOG, createWebhookReceiver, signPayload, verifyWebhookSignature } = require('@armalo-webhooks/core');
const { armaloWebhooks } = require('@armalo-webhooks/express');

// Every entry point of every package the test workspace depends on: a module with top-level
// await, or one that only works through import(), throws here.
const entryPoints = [
  '@armalo-webhooks/core',
  '@armalo-webhooks/core/adapter',
  '@armalo-webhooks/core/fetch',
  '@armalo-webhooks/core/node',
  '@armalo-webhooks/core/testing',
  '@armalo-webhooks/core/store-kit',
  '@armalo-webhooks/core/engine-kit',
  '@armalo-webhooks/aws-lambda',
  '@armalo-webhooks/bullmq',
  '@armalo-webhooks/express',
  '@armalo-webhooks/fastify',
  '@armalo-webhooks/hono',
  '@armalo-webhooks/koa',
  '@armalo-webhooks/nestjs',
  '@armalo-webhooks/next',
  '@armalo-webhooks/next/pages',
  '@armalo-webhooks/opentelemetry',
  '@armalo-webhooks/pg-boss',
  '@armalo-webhooks/postgres',
  '@armalo-webhooks/redis',
  'armalo-webhooks',
];

async function main() {
  const SECRET = 'whsec_require_esm';
  const exports = {};
  for (const name of entryPoints) exports[name] = Object.keys(require(name)).sort();

  const body = JSON.stringify({
    event: 'score.changed',
    timestamp: new Date().toISOString(),
    data: EVENT_CATALOG['score.changed'].sample,
  });
  const signature = await signPayload(body, SECRET);
  const verified = await verifyWebhookSignature(body, signature, SECRET);
  const tamperedVerified = await verifyWebhookSignature(`${body} `, signature, SECRET);

  // The adapter too, end to end over HTTP: an Express app built in CommonJS.
  const receiver = createWebhookReceiver({ secret: SECRET });
  const handled = [];
  receiver.on('score.changed', (event) => {
    handled.push(event.event);
  });
  const app = express();
  app.use('/webhooks/armalo', armaloWebhooks(receiver));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const url = `http://127.0.0.1:${server.address().port}/webhooks/armalo`;
  const post = (signatureHeader) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-armalo-signature': signatureHeader },
      body,
    }).then((response) => response.status);
  const accepted = await post(signature);
  const refused = await post('0'.repeat(64));
  await new Promise((resolve) => server.close(resolve));

  process.stdout.write(
    `${JSON.stringify({
      node: process.version,
      resolved: require.resolve('@armalo-webhooks/core'),
      exports,
      body,
      signature,
      verified,
      tamperedVerified,
      accepted,
      refused,
      handled,
    })}\n`,
  );
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
