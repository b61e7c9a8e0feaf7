import type { WebhookContext } from '@armalo-webhooks/core';
import type { AnyWebhookReceiver } from '@armalo-webhooks/core/adapter';
import { armaloWebhooks, type ExpressContext, type ExpressResponseView, verify } from '@armalo-webhooks/express';
import express, { type Request, type RequestHandler, type Response } from 'express';
import { describe, expectTypeOf, it } from 'vitest';

declare const receiver: AnyWebhookReceiver;
declare const ctx: WebhookContext;

describe('@armalo-webhooks/express types', () => {
  it('augments the handler context with an optional ctx.express', () => {
    expectTypeOf(ctx.express).toEqualTypeOf<ExpressContext | undefined>();
    expectTypeOf<ExpressContext['req']>().toEqualTypeOf<Request>();
    expectTypeOf<ExpressContext['res']>().toEqualTypeOf<ExpressResponseView>();
    expectTypeOf<ExpressResponseView['locals']>().toEqualTypeOf<Response['locals']>();
  });

  it('exposes no way to write the response from a handler', () => {
    const res = ctx.express!.res;
    // @ts-expect-error the adapter writes the answer; handlers cannot
    res.status(200);
    // @ts-expect-error
    res.json({ ok: true });
    // @ts-expect-error
    res.setHeader('x', '1');
    // @ts-expect-error
    res.end();
    // @ts-expect-error ctx.express is readonly
    ctx.express = undefined;
    expectTypeOf(res.getHeader('x-request-id')).toEqualTypeOf<number | string | string[] | undefined>();
  });

  it('returns an Express RequestHandler usable with app.post, app.use and routers', () => {
    expectTypeOf(armaloWebhooks(receiver)).toEqualTypeOf<RequestHandler>();
    const app = express();
    app.post('/webhooks/armalo', armaloWebhooks(receiver));
    app.use('/webhooks/armalo', armaloWebhooks(receiver));
    express.Router().all('/armalo', armaloWebhooks(receiver));
  });

  it('verify fits every body parser option', () => {
    express.json({ verify });
    express.raw({ verify });
    express.text({ verify });
  });
});
