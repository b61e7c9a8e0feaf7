import type { WebhookEvent } from '@armalo-webhooks/core';
import { OnArmaloEvent } from '@armalo-webhooks/nestjs';
import { describe, it } from 'vitest';

describe('@OnArmaloEvent', () => {
  it('checks the method against the events its pattern matches, like on()', () => {
    class Listener {
      @OnArmaloEvent('score.changed')
      typed(event: WebhookEvent<'score.changed', { agentId: string; compositeScore: number }>) {
        return event.data.compositeScore;
      }

      @OnArmaloEvent('escrow.*')
      prefix(event: WebhookEvent<`escrow.${string}`>) {
        return event.event;
      }

      // @ts-expect-error a score.changed event is not an eval.completed event
      @OnArmaloEvent('score.changed')
      wrongEvent(event: WebhookEvent<'eval.completed'>) {
        return event;
      }

      // @ts-expect-error score.changed data has no field `nope` of type boolean
      @OnArmaloEvent('score.changed')
      wrongData(event: WebhookEvent<'score.changed', { nope: boolean }>) {
        return event;
      }

      // @ts-expect-error not an event name of the catalog
      @OnArmaloEvent('score.chagned')
      typo() {}
    }
    void Listener;
  });
});
