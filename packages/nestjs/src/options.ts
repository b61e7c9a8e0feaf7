import type { WebhookReceiver, WebhookReceiverOptions } from '@armalo-webhooks/core';
import type { ModuleMetadata } from '@nestjs/common';

/**
 * `ctx.nest` in handlers: which platform served the delivery, and its request object (an Express
 * `Request` or a `FastifyRequest`).
 *
 * @example
 * ```ts
 * webhooks.onAny((event, ctx) => console.log(ctx.nest?.platform));
 * ```
 */
export interface NestContext {
  readonly platform: 'express' | 'fastify';
  readonly request: object;
}

declare module '@armalo-webhooks/core' {
  interface WebhookContextExtensions {
    /** Set when the delivery came through `@armalo-webhooks/nestjs`. */
    readonly nest?: NestContext;
  }
}

/** Injection token of the module's receiver (a `WebhookReceiver`): inject it to call `on()` yourself. */
export const ARMALO_WEBHOOK_RECEIVER = Symbol.for('@armalo-webhooks/nestjs.receiver');
/** @internal The receiver options, as given or as the async factory returned them. */
export const RECEIVER_OPTIONS = Symbol.for('@armalo-webhooks/nestjs.options');
/** @internal The webhook route's path. */
export const WEBHOOK_PATH = Symbol.for('@armalo-webhooks/nestjs.path');

/**
 * Options of `ArmaloWebhooksModule.forRoot()`: where the webhook route is (`path`, from the root
 * of the server: a global prefix does not apply), and either the receiver's options (`secret`,
 * `tolerance`, `idempotency`, `maxBodyBytes`, ...) or a `receiver` you built yourself.
 *
 * @example
 * ```ts
 * const options: ArmaloWebhooksModuleOptions = { path: '/webhooks/armalo', secret: process.env.ARMALO_WEBHOOK_SECRET! };
 * const shared: ArmaloWebhooksModuleOptions = { path: '/webhooks/armalo', receiver: webhooks };
 * ```
 */
export type ArmaloWebhooksModuleOptions =
  | (WebhookReceiverOptions & { path: string })
  | { path: string; receiver: WebhookReceiver };

/**
 * Options of `ArmaloWebhooksModule.forRootAsync()`: the path is fixed when the module is declared
 * (routes exist before providers resolve); the receiver's options come from a factory.
 *
 * @example
 * ```ts
 * const options: ArmaloWebhooksModuleAsyncOptions = {
 *   path: '/webhooks/armalo',
 *   imports: [ConfigModule],
 *   inject: [ConfigService],
 *   useFactory: (config: ConfigService) => ({ secret: config.getOrThrow('ARMALO_WEBHOOK_SECRET') }),
 * };
 * ```
 */
export interface ArmaloWebhooksModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  path: string;
  // biome-ignore lint/suspicious/noExplicitAny: Nest passes the injected providers positionally, as its own factories do
  useFactory: (...args: any[]) => WebhookReceiverOptions | Promise<WebhookReceiverOptions>;
  inject?: unknown[];
}
