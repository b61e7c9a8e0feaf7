import { createSignedDelivery, createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { ArmaloWebhooksModule } from '@armalo-webhooks/nestjs';
import type { INestApplication } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import request from 'supertest';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type AppOptions, calls, createApp, PLATFORMS, type Platform, WEBHOOK_PATH } from './app.js';

const SECRET = 'whsec_nest_module';
let app: INestApplication | undefined;
beforeEach(() => {
  calls.length = 0;
});
afterEach(() => app?.close());

/** One request through the app: supertest on express, fastify.inject() on fastify. */
async function send(
  platform: Platform,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
) {
  if (platform === 'fastify') {
    const fastify = app?.getHttpAdapter().getInstance();
    const response = await fastify.inject({ method, url: path, payload: body, headers });
    return { status: response.statusCode as number, body: response.json() as Record<string, unknown> };
  }
  const response = await request(app?.getHttpServer())
    [method.toLowerCase() as 'post' | 'get'](path)
    .set(headers)
    .send(body);
  return { status: response.status, body: response.body as Record<string, unknown> };
}

async function deliver(platform: Platform, event: string, data: unknown) {
  const delivery = createUncheckedDelivery(event, data, { secret: SECRET });
  return send(platform, 'POST', WEBHOOK_PATH, delivery.body, delivery.headers);
}

async function start(platform: Platform, options: AppOptions = {}) {
  app = (await createApp(platform, ArmaloWebhooksModule.forRoot({ path: WEBHOOK_PATH, secret: SECRET }), options)).app;
}

describe.each(PLATFORMS)('nestjs on platform-%s', (platform) => {
  it('calls @OnArmaloEvent methods of providers and controllers with the event and ctx; skips request-scoped ones', async () => {
    await start(platform);
    expect(await deliver(platform, 'score.changed', sampleData('score.changed'))).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await deliver(platform, 'escrow.released', { escrowId: 'e_1' })).toEqual({
      status: 200,
      body: { ok: true },
    });
    expect(await deliver(platform, 'pact.violated', { pactId: 'p_1' })).toEqual({ status: 200, body: { ok: true } });
    expect(calls).toEqual([
      `provider score.changed 862 via ${platform}`,
      'provider escrow.released',
      'controller pact.violated',
    ]);
    // The app's own routes are untouched.
    expect(await send(platform, 'GET', '/api/health')).toEqual({ status: 200, body: { ok: true } });
  });

  it.each([
    ['rawBody off', { rawBody: false }],
    ['bodyParser off', { rawBody: false, bodyParser: false }],
  ] as const)('%s: still verified (200), since the route runs before Nest parses bodies', async (_name, options) => {
    await start(platform, options);
    expect(await deliver(platform, 'score.changed', sampleData('score.changed'))).toEqual({
      status: 200,
      body: { ok: true },
    });
  });

  it('a parser that read the body first: 500 RAW_BODY_UNAVAILABLE naming the fix, no handler runs', async () => {
    await start(platform, { consumed: 'drained' });
    const answer = await deliver(platform, 'score.changed', sampleData('score.changed'));
    expect([answer.status, answer.body.code]).toEqual([500, 'RAW_BODY_UNAVAILABLE']);
    expect((answer.body.details as { fix: string }).fix).toMatch(
      platform === 'express' ? /ExpressAdapter/ : /preParsing/,
    );
    expect(calls).toEqual([]);
  });

  it('forRootAsync: the secret comes from ConfigService', async () => {
    const webhooks = ArmaloWebhooksModule.forRootAsync({
      path: WEBHOOK_PATH,
      imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [() => ({ ARMALO_WEBHOOK_SECRET: SECRET })] })],
      inject: [ConfigService],
      useFactory: (config: ConfigService) => ({ secret: config.getOrThrow<string>('ARMALO_WEBHOOK_SECRET') }),
    });
    app = (await createApp(platform, webhooks)).app;
    expect(await deliver(platform, 'score.changed', sampleData('score.changed'))).toEqual({
      status: 200,
      body: { ok: true },
    });
    const forged = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: 'whsec_other' });
    const answer = await send(platform, 'POST', WEBHOOK_PATH, forged.body, forged.headers);
    expect([answer.status, answer.body.code]).toEqual([401, 'INVALID_SIGNATURE']);
  });
});
