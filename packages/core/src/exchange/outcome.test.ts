import { describe, expect, it } from 'vitest';
import { createWebhookReceiver } from '../receiver/receiver.js';
import { createSignedDelivery, createUncheckedDelivery } from '../testing/index.js';
import { outcomeOf } from './outcome.js';

describe('outcomeOf', () => {
  it('reads an answer as an HTTP client gets it back: body flags on a 2xx, the status class otherwise', () => {
    const answers = [
      [200, { ok: true }],
      [204, undefined],
      [200, { ok: true, duplicate: true }],
      [200, { ok: true, stale: true }],
      [200, { ok: true, queued: true }],
      [409, { error: 'Another attempt is processing this delivery', code: 'DELIVERY_IN_PROGRESS' }],
      [502, 'Bad Gateway'],
      // Not a success, so the sender retries it.
      [302, undefined],
    ] as const;
    expect(answers.map(([status, body]) => outcomeOf({ status, body }))).toEqual([
      'handled',
      'handled',
      'duplicate',
      'stale',
      'queued',
      'refused',
      'failed',
      'failed',
    ]);
  });

  it('tells an acknowledged event the catalog and the schemas do not know from a handled one', async () => {
    const secret = 'whsec_outcome';
    const receiver = createWebhookReceiver({ secret, logger: { warn() {}, error() {} } });
    const outcome = async (delivery: { body: string; headers: Record<string, string> }) =>
      outcomeOf(await receiver.receive({ rawBody: delivery.body, headers: delivery.headers }));
    const unknown = createUncheckedDelivery('agent.renamed', { agentId: 'a1' }, { secret });
    expect(await outcome(unknown)).toBe('unknown');
    expect(await outcome(unknown)).toBe('duplicate');
    expect(await outcome(createSignedDelivery('eval.failed', { evalId: 'e1' }, { secret }))).toBe('handled');
  });
});
