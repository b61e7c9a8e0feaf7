// The attached-mode sample in packages/cli/README.md, compiled as written.
import { createWebhookReceiver, observe, type WebhookObserver } from '@armalo-webhooks/core';
import { inspect } from '@armalo-webhooks/inspect';
import { describe, expectTypeOf, it } from 'vitest';

describe('the README’s inspect() sample', () => {
  it('compiles as an observers entry and with observe()', () => {
    // README: attached mode
    const webhooks = createWebhookReceiver({
      secret: process.env.ARMALO_WEBHOOK_SECRET!,
      // Reports to `armalo-webhooks dev` when ARMALO_INSPECTOR_URL is set; does nothing otherwise.
      observers: [inspect()],
    });
    webhooks.on('eval.failed', async (event) => {
      console.log(event.data.evalId);
    });

    // A receiver built elsewhere (a framework module, a shared file):
    const stop = observe(webhooks, inspect({ url: 'http://127.0.0.1:4400/<token>/' }));
    // README end
    expectTypeOf(inspect()).toEqualTypeOf<WebhookObserver>();
    expectTypeOf(stop).toEqualTypeOf<() => void>();
  });
});
