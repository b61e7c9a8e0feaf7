import { createWebhookReceiver } from '@armalo-webhooks/core';
import { armaloWebhooks } from '@armalo-webhooks/express';
import type { NextFunction, Request, Response } from 'express';
import { describe, expect, it } from 'vitest';
import { delivery, EXPRESS_VERSIONS, post, WEBHOOK_SECRET } from './helpers.js';

const PATH = '/webhooks/armalo';

describe.each(EXPRESS_VERSIONS)('%s ctx.express', (_version, express) => {
  function app(handler: Parameters<ReturnType<typeof createWebhookReceiver>['onAny']>[0]) {
    const errors: string[] = [];
    const receiver = createWebhookReceiver({
      secret: WEBHOOK_SECRET,
      onError: (error) => {
        errors.push(`${error.code}: ${String((error.cause as Error | undefined)?.message)}`);
      },
    });
    receiver.onAny(handler);
    const application = express();
    application.use((req: Request, res: Response, next: NextFunction) => {
      res.locals.requestId = `req-${req.get('x-trace') ?? 'none'}`;
      res.setHeader('x-request-id', res.locals.requestId as string);
      next();
    });
    application.use(PATH, armaloWebhooks(receiver));
    return { application, errors };
  }

  it('handlers reach the request, res.locals and headers set by earlier middleware', async () => {
    const seen: unknown[] = [];
    let sameRequest = false;
    const { application } = app((_event, ctx) => {
      const { req, res } = ctx.express ?? expect.fail('ctx.express missing');
      sameRequest = req.res !== undefined && req.get('x-trace') === 'abc';
      seen.push(req.get('x-trace'), req.originalUrl, res.locals.requestId, res.getHeader('x-request-id'));
    });
    const response = await post(application, PATH, delivery(), { 'x-trace': 'abc' });
    expect(response.status).toBe(200);
    expect(seen).toEqual(['abc', PATH, 'req-abc', 'req-abc']);
    expect(sameRequest).toBe(true);
    // Headers earlier middleware set are kept next to core's own.
    expect(response.headers['x-request-id']).toBe('req-abc');
    expect(response.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('res is read-only: a handler trying to answer fails the delivery (HANDLER_FAILED, key released), its retry is processed', async () => {
    let attempts = 0;
    const { application, errors } = app((_event, ctx) => {
      attempts++;
      if (attempts === 1) (ctx.express!.res as unknown as Response).status(200).json({ handled: 'by me' });
    });
    const signed = delivery();
    const first = await post(application, PATH, signed);
    expect(first.body).toEqual({ code: 'HANDLER_FAILED', error: expect.any(String) });
    expect(errors).toEqual([expect.stringMatching(/^HANDLER_FAILED: .*status is not a function/)]);
    const retry = await post(application, PATH, signed);
    expect(retry.body).toEqual({ ok: true });
    expect(attempts).toBe(2);
  });

  it('ctx.express is absent when the same receiver is called without the adapter', async () => {
    let present: boolean | undefined;
    const receiver = createWebhookReceiver({ secret: WEBHOOK_SECRET });
    receiver.onAny((_event, ctx) => {
      present = ctx.express !== undefined;
    });
    const signed = delivery();
    const result = await receiver.receive({ rawBody: signed.bytes, headers: signed.headers, method: 'POST' });
    expect(result.status).toBe(200);
    expect(present).toBe(false);
  });
});
