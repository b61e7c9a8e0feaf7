import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import type { WebhookContext, WebhookEvent } from '@armalo-webhooks/core';
import { OnArmaloEvent } from '@armalo-webhooks/nestjs';
import { Controller, type DynamicModule, Get, type INestApplication, Injectable, Module, Scope } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import express from 'express';
import type { FastifyInstance } from 'fastify';
import type { BodyConsumption } from '../conformance/cases.js';

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
   * What loses the body before the webhook route, the per-request RAW_BODY_UNAVAILABLE case (see
   * NEST_CONSUMES). Only code that runs before Nest's own parsers can: on the Express app handed
   * to ExpressAdapter, or a hook on the Fastify instance.
   */
  consumed?: BodyConsumption | undefined;
  /** Listen on 127.0.0.1 (a real server) instead of only init(). */
  listen?: boolean;
}

/** How each platform loses the body before the webhook route, and what `details.fix` says there. */
export const NEST_CONSUMES = {
  express: {
    consumes: {
      parsed: 'express.json() on the Express app handed to new ExpressAdapter(app)',
      drained: 'a middleware on that Express app reads the request stream',
    },
    rawBodyFix: /body parser on the Express instance passed to new ExpressAdapter\(app\) read the body first/,
  },
  fastify: {
    consumes: {
      parsed: 'a preValidation hook on the Fastify instance replaces request.body',
      drained: 'a preParsing hook on the Fastify instance reads the payload stream',
    },
    rawBodyFix: /Keep preParsing hooks and plugins that read or replace the body off the webhook route/,
  },
} satisfies Record<Platform, { consumes: Record<BodyConsumption, string>; rawBodyFix: RegExp }>;

/** A real Nest application on one platform, with the webhook module and the listeners above. */
export async function createApp(
  platform: Platform,
  webhooks: DynamicModule,
  options: AppOptions = {},
): Promise<{ app: INestApplication; url: string }> {
  @Module({ imports: [webhooks], providers: [ScoreListener, RequestScopedListener], controllers: [HealthController] })
  class AppModule {}
  const own = express();
  if (platform === 'express' && options.consumed === 'parsed') own.use(express.json());
  if (platform === 'express' && options.consumed === 'drained') {
    own.use(async (req, _res, next) => {
      for await (const _chunk of req) {
        // discard
      }
      next();
    });
  }
  const adapter = platform === 'express' ? new ExpressAdapter(own) : new FastifyAdapter();
  const app = await NestFactory.create(AppModule, adapter, {
    logger: false,
    abortOnError: false,
    rawBody: options.rawBody ?? true,
    bodyParser: options.bodyParser ?? true,
  });
  if (platform === 'fastify' && options.consumed === 'parsed') {
    const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
    fastify.addHook('preValidation', async (request: { body: unknown }) => {
      request.body = { parsedBy: 'a hook' };
    });
  }
  if (platform === 'fastify' && options.consumed === 'drained') {
    const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
    fastify.addHook('preParsing', async (_request: unknown, _reply: unknown, payload: AsyncIterable<unknown>) => {
      for await (const _chunk of payload) {
        // discard, and hand on the spent stream
      }
      return payload;
    });
  }
  if (!options.listen) {
    await app.init();
    if (platform === 'fastify') await (app.getHttpAdapter().getInstance() as FastifyInstance).ready();
    return { app, url: '' };
  }
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return { app, url: `http://127.0.0.1:${port}` };
}
