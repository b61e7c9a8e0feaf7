import { createWebhookReceiver } from '@armalo-webhooks/core';
import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import {
  type ArmaloWebhooksPluginOptions,
  armaloWebhooksPlugin,
  type FastifyContext,
  type FastifyReplyView,
} from '@armalo-webhooks/fastify';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';

const receiver = createWebhookReceiver({ secret: 'whsec_types' });
const app = Fastify();

describe('@armalo-webhooks/fastify types', () => {
  it('decorates the instance with the receivers by path', () => {
    expectTypeOf(app.armaloWebhooks).toEqualTypeOf<ReadonlyMap<string, AnyWebhookReceiver>>();
    expectTypeOf(app.armaloWebhooks.get('/webhooks/armalo')).toEqualTypeOf<AnyWebhookReceiver | undefined>();
    // @ts-expect-error the map is read-only: register the plugin to add a receiver
    app.armaloWebhooks.set('/x', receiver);
  });

  it('accepts a receiver and a path', () => {
    app.register(armaloWebhooksPlugin, { receiver, path: '/webhooks/armalo' });
    const typed = createWebhookReceiver({ secret: 's', schemas: {} });
    app.register(armaloWebhooksPlugin, { receiver: typed, path: '/webhooks/typed' });
    expectTypeOf<ArmaloWebhooksPluginOptions>().toEqualTypeOf<{
      receiver: AnyWebhookReceiver;
      path: string;
      prefix?: string;
    }>();
    app.register(armaloWebhooksPlugin, { receiver, path: '/armalo', prefix: '/webhooks' });
  });

  it('rejects bad options', () => {
    // @ts-expect-error receiver is required
    app.register(armaloWebhooksPlugin, { path: '/webhooks/armalo' });
    // @ts-expect-error path is required
    app.register(armaloWebhooksPlugin, { receiver });
    // @ts-expect-error path must be a string
    app.register(armaloWebhooksPlugin, { receiver, path: 42 });
    // @ts-expect-error a secret is not a receiver
    app.register(armaloWebhooksPlugin, { receiver: 'whsec_types', path: '/webhooks/armalo' });
    // @ts-expect-error an object without receive() is not a receiver
    app.register(armaloWebhooksPlugin, { receiver: { maxBodyBytes: 1 }, path: '/webhooks/armalo' });
    // @ts-expect-error no options at all
    app.register(armaloWebhooksPlugin);
  });

  it('types ctx.fastify in handlers', () => {
    receiver.on('score.changed', (_event, ctx) => {
      expectTypeOf(ctx.fastify).toEqualTypeOf<FastifyContext | undefined>();
      if (ctx.fastify === undefined) return;
      expectTypeOf(ctx.fastify.request).toEqualTypeOf<FastifyRequest>();
      expectTypeOf(ctx.fastify.reply).toEqualTypeOf<FastifyReplyView>();
      expectTypeOf(ctx.fastify.reply.getHeader('x-request-id')).toEqualTypeOf<ReturnType<FastifyReply['getHeader']>>();
      // @ts-expect-error handlers cannot answer the delivery themselves: the reply view has no send()
      ctx.fastify.reply.send({ ok: true });
    });
  });
});
