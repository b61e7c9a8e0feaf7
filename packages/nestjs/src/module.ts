import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';
import { type DynamicModule, Module, type OnModuleInit, type Provider } from '@nestjs/common';
import { DiscoveryModule, DiscoveryService, HttpAdapterHost, MetadataScanner, Reflector } from '@nestjs/core';
import { mountExpress, mountFastify } from './mount.js';
import { ARMALO_EVENT } from './on-armalo-event.js';
import {
  ARMALO_WEBHOOK_RECEIVER,
  type ArmaloWebhooksModuleAsyncOptions,
  type ArmaloWebhooksModuleOptions,
  RECEIVER_OPTIONS,
  WEBHOOK_PATH,
} from './options.js';

/**
 * Mounts the route as soon as Nest creates this provider, inside `NestFactory.create()`: before
 * `init()` registers Nest's body parsers and controllers, so the request reaches core unread on
 * either platform, whatever `rawBody` and `bodyParser` say. Then, once every provider exists,
 * registers each `@OnArmaloEvent` method on the receiver.
 */
const mount: Provider = {
  provide: Symbol.for('@armalo-webhooks/nestjs.mount'),
  inject: [ARMALO_WEBHOOK_RECEIVER, WEBHOOK_PATH, DiscoveryService, MetadataScanner, Reflector, HttpAdapterHost],
  useFactory(
    receiver: WebhookReceiver,
    path: string,
    discovery: DiscoveryService,
    scanner: MetadataScanner,
    reflector: Reflector,
    host: HttpAdapterHost,
  ): OnModuleInit {
    const adapter = host.httpAdapter; // undefined in an application context without HTTP
    if (adapter !== undefined) {
      (adapter.getType() === 'fastify' ? mountFastify : mountExpress)(adapter.getInstance(), path, receiver);
    }
    return {
      onModuleInit() {
        for (const wrapper of [...discovery.getProviders(), ...discovery.getControllers()]) {
          const instance = wrapper.instance as Record<string, (...args: unknown[]) => unknown> | undefined;
          // Request-scoped providers have no instance to call at startup.
          if (!instance || typeof instance !== 'object' || !wrapper.isDependencyTreeStatic()) continue;
          for (const name of scanner.getAllMethodNames(Object.getPrototypeOf(instance))) {
            const pattern = reflector.get<string | string[] | undefined>(ARMALO_EVENT, instance[name] as never);
            if (pattern !== undefined) receiver.on(pattern as never, (event, ctx) => instance[name]?.(event, ctx));
          }
        }
      },
    };
  },
};

/**
 * A NestJS module that serves Armalo webhooks at one path, on platform-express and
 * platform-fastify: it creates the receiver, registers every `@OnArmaloEvent` method of the app's
 * providers and controllers on it, and mounts the route. The receiver is exported as
 * `ARMALO_WEBHOOK_RECEIVER`. The route is mounted before Nest's body parsers, so it needs no
 * `rawBody` option; Nest middleware, guards, interceptors and a global prefix do not apply to it.
 *
 * @example
 * ```ts
 * import { Module } from '@nestjs/common';
 * import { ConfigModule, ConfigService } from '@nestjs/config';
 * import { ArmaloWebhooksModule } from '@armalo-webhooks/nestjs';
 *
 * @Module({
 *   imports: [
 *     ArmaloWebhooksModule.forRootAsync({
 *       path: '/webhooks/armalo',
 *       imports: [ConfigModule],
 *       inject: [ConfigService],
 *       useFactory: (config: ConfigService) => ({ secret: config.getOrThrow('ARMALO_WEBHOOK_SECRET') }),
 *     }),
 *   ],
 *   providers: [ScoreListener], // has @OnArmaloEvent('score.changed') methods
 * })
 * export class AppModule {}
 * // main.ts: const app = await NestFactory.create(AppModule); await app.listen(3000);
 * ```
 */
@Module({})
// biome-ignore lint/complexity/noStaticOnlyClass: a Nest dynamic module is a class with static forRoot methods
export class ArmaloWebhooksModule {
  /** The module with the receiver options given inline. */
  static forRoot({ path, ...options }: ArmaloWebhooksModuleOptions): DynamicModule {
    if ('receiver' in options) return build(path, [], { provide: ARMALO_WEBHOOK_RECEIVER, useValue: options.receiver });
    return build(path, [], { provide: RECEIVER_OPTIONS, useValue: options }, fromOptions);
  }

  /** The module with the receiver options from a factory, e.g. one that reads `ConfigService`. */
  static forRootAsync({
    path,
    imports = [],
    useFactory,
    inject = [],
  }: ArmaloWebhooksModuleAsyncOptions): DynamicModule {
    return build(path, imports, { provide: RECEIVER_OPTIONS, useFactory, inject: inject as never[] }, fromOptions);
  }
}

const fromOptions: Provider<WebhookReceiver> = {
  provide: ARMALO_WEBHOOK_RECEIVER,
  useFactory: createWebhookReceiver,
  inject: [RECEIVER_OPTIONS],
};

function build(path: string, imports: DynamicModule['imports'] & object, ...providers: Provider[]): DynamicModule {
  return {
    module: ArmaloWebhooksModule,
    imports: [DiscoveryModule, ...imports],
    providers: [...providers, { provide: WEBHOOK_PATH, useValue: path }, mount],
    exports: [ARMALO_WEBHOOK_RECEIVER],
  };
}
