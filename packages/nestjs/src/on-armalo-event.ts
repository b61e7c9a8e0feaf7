import type {
  CheckedPattern,
  DataMap,
  EventNameOf,
  EventOf,
  MatchPattern,
  WebhookHandler,
} from '@armalo-webhooks/core';
import { SetMetadata } from '@nestjs/common';

/** The metadata key `@OnArmaloEvent` sets on a method; a registry symbol, so two copies agree. */
export const ARMALO_EVENT = Symbol.for('@armalo-webhooks/nestjs.event');

type Names = EventNameOf<Record<never, never>>;

/**
 * Marks a provider or controller method as the handler of Armalo events: one name, several, or a
 * prefix wildcard such as `'escrow.*'`, exactly as `webhooks.on()` takes them. The method gets
 * `(event, ctx)`, and its `event` parameter must accept the events the pattern matches, so
 * `event.data` is typed from the catalog's schema. Methods are found at startup on every
 * singleton provider and controller of the app.
 *
 * @example
 * ```ts
 * import { Injectable } from '@nestjs/common';
 * import type { WebhookEvent } from '@armalo-webhooks/core';
 * import { OnArmaloEvent } from '@armalo-webhooks/nestjs';
 *
 * @Injectable()
 * export class ScoreListener {
 *   @OnArmaloEvent('score.changed')
 *   async onScore(event: WebhookEvent<'score.changed', { agentId: string; compositeScore: number }>) {
 *     console.log(event.data.agentId, event.data.compositeScore);
 *   }
 * }
 * ```
 */
export function OnArmaloEvent<const P extends string>(
  pattern: CheckedPattern<Names, P> | readonly CheckedPattern<Names, P>[],
) {
  return <H extends WebhookHandler<EventOf<DataMap<Record<never, never>>, MatchPattern<Names, P>>>>(
    target: object,
    key: string | symbol,
    descriptor: TypedPropertyDescriptor<H>,
  ): void => {
    SetMetadata(ARMALO_EVENT, pattern)(target, key, descriptor);
  };
}
