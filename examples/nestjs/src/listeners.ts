import type { WebhookContext, WebhookEvent } from '@armalo-webhooks/core';
import { OnArmaloEvent } from '@armalo-webhooks/nestjs';
import { Injectable, Logger } from '@nestjs/common';

/** Any provider can hold handlers: the module finds @OnArmaloEvent methods at startup. */
@Injectable()
export class ScoreListener {
  private readonly log = new Logger(ScoreListener.name);

  @OnArmaloEvent('score.changed')
  onScore(event: WebhookEvent<'score.changed', { agentId: string; previousScore: number; compositeScore: number }>) {
    const { agentId, previousScore, compositeScore } = event.data;
    this.log.log(`score changed: ${agentId} ${previousScore} -> ${compositeScore}`);
  }

  @OnArmaloEvent('escrow.*')
  onEscrow(event: WebhookEvent<`escrow.${string}`>, ctx: WebhookContext) {
    this.log.log(`escrow update: ${event.event} (key ${ctx.idempotencyKey})`);
  }
}
