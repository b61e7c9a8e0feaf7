// The CommonJS consumer of the README's "ESM only" paragraph, as TypeScript sees it with
// `module: nodenext`: require() of the ESM-only packages type-checks (TypeScript 5.8 and later).
import core = require('@armalo-webhooks/core');
import expressAdapter = require('@armalo-webhooks/express');

const receiver: core.WebhookReceiver = core.createWebhookReceiver({ secret: 'whsec_types' });
receiver.on('score.changed', (event) => {
  const score: number = event.data.compositeScore;
  return score;
});
export const middleware = expressAdapter.armaloWebhooks(receiver);
