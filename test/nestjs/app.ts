import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { WebhookContext, WebhookEvent } from '@armalo-webhooks/core';
import { OnArmaloEvent } from '@armalo-webhooks/nestjs';
import { Controller, type DynamicModule, Get, type INestApplication, Injectable, Module, Scope } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import express from 'express';

export const WEBHOOK_PATH = '/webhooks/armalo';
export const PLATFORMS = ['express', 'fastify'] as const;
export type Platform = (typeof PLATFORMS)[number];

/** Every `@OnArmaloEvent` call, across the listeners below, in order. */
export const calls: string[] = [];

@Injectable()
export class ScoreListener {
  @OnArmaloEvent('score.changed')
  onScore(event: WebhookEvent<'score.changed', { compositeScore: number }>, ctx: WebhookContext) {
    calls.push(`provider ${event.event} ${event.data.compositeScore} via ${ctx.nest?.platform}`);
  }

  @OnArmaloEvent(['escrow.funded', 'escrow.released'])
  onEscrow(event: WebhookEvent<'escrow.funded' | 'escrow.released'>) {
    calls.push(`provider ${event.event}`);
  }
}

@Controller('api')
export class HealthController {
  @Get('health')
  health() {
    return { ok: true };
  }

  @OnArmaloEvent('pact.*')
  onPact(event: WebhookEvent) {
    calls.push(`controller ${event.event}`);
  }
}

/** Request-scoped: no instance exists at startup, so its methods are never registered. */
@Injectable({ scope: Scope.REQUEST })
export class RequestScopedListener {
  @OnArmaloEvent('score.changed')
  onScore() {
    calls.push('request-scoped');
  }
}

export interface AppOptions {
  rawBody?: boolean;
  bodyParser?: boolean;
  /**
   * A parser that read the body before the webhook route: express.text() on the Express app
   * handed to ExpressAdapter, a preParsing hook on Fastify. The per-request fallback case.
   */
  drainFirst?: boolean;
  /** Listen on 127.0.0.1 (a real server) instead of only init(). */
  listen?: boolean;
}

/** A real Nest application on one platform, with the webhook module and the listeners above. */
export async function createApp(
  platform: Platform,
  webhooks: DynamicModule,
  options: AppOptions = {},
): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [webhooks], providers: [ScoreListener, RequestScopedListener], controllers: [HealthController] })
  class AppModule {}
  const own = express();
  if (options.drainFirst) own.use(express.text({ type: '*/*' }));
  const adapter = platform === 'express' ? new ExpressAdapter(own) : new FastifyAdapter();
  const app = await NestFactory.create(AppModule, adapter, {
    logger: false,
    abortOnError: false,
    rawBody: options.rawBody ?? true,
    bodyParser: options.bodyParser ?? true,
  });
  if (options.drainFirst && platform === 'fastify') {
    const fastify = app.getHttpAdapter().getInstance();
    fastify.addHook('preParsing', async (_request: unknown, _reply: unknown, payload: AsyncIterable<unknown>) => {
      for await (const _chunk of payload) {
        // discard, and hand on the spent stream
      }
      return payload;
    });
  }
  if (!options.listen) {
    await app.init();
    if (platform === 'fastify') await app.getHttpAdapter().getInstance().ready();
    return { app, url: '' };
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}
