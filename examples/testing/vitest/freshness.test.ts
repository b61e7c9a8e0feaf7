import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import request from 'supertest';
import { describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';

const secret = 'whsec_test';
// Inside the replay window (7 days back by default): times relative to now.
const minutesAgo = (minutes: number) => new Date(Date.now() - minutes * 60_000);

describe('the freshness guard', () => {
  it('skips a delivery older than the newest one handled for its agent', async () => {
    const scores = new Map<string, number>();
    const webhooks = createWebhookReceiver({
      secret,
      freshness: { 'score.changed': (event) => `agent-score:${event.data.agentId}` },
    });
    webhooks.on('score.changed', (event) => {
      scores.set(event.data.agentId, event.data.compositeScore);
    });
    const app = createApp(webhooks);
    const newer = createSignedDelivery('score.changed', sampleData('score.changed', { compositeScore: 870 }), {
      secret,
      timestamp: minutesAgo(1),
    });
    const older = createSignedDelivery('score.changed', sampleData('score.changed', { compositeScore: 862 }), {
      secret,
      timestamp: minutesAgo(2),
    });

    await request(app).post('/webhooks/armalo').set(newer.headers).send(newer.body).expect(200, { ok: true });
    const res = await request(app).post('/webhooks/armalo').set(older.headers).send(older.body);

    expect(res.body).toEqual({ ok: true, stale: true }); // older than the newest for this agent: nothing ran
    expect(scores.get(newer.data.agentId)).toBe(870);
  });
});
