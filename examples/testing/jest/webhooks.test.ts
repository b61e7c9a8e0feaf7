import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { describe, expect, it } from '@jest/globals';
import request from 'supertest';
import { createApp } from '../src/app.js';
import { createWebhooks } from '../src/webhooks.js';

const secret = 'whsec_test';

describe('score.changed', () => {
  it('records the new score (receive() directly, no HTTP)', async () => {
    const scores = new Map<string, number>();
    const webhooks = createWebhooks(secret, scores);
    const delivery = createSignedDelivery('score.changed', sampleData('score.changed', { compositeScore: 400 }), {
      secret,
    });

    const result = await webhooks.receive({ rawBody: delivery.body, headers: delivery.headers });

    expect(result.status).toBe(200);
    expect(scores.get(delivery.data.agentId)).toBe(400);
  });

  it('records the new score (through Express, as Armalo sends it)', async () => {
    const scores = new Map<string, number>();
    const app = createApp(createWebhooks(secret, scores));
    const delivery = createSignedDelivery('score.changed', { secret });

    await request(app).post('/webhooks/armalo').set(delivery.headers).send(delivery.body).expect(200);

    expect(scores.get(delivery.data.agentId)).toBe(delivery.data.compositeScore);
  });
});
