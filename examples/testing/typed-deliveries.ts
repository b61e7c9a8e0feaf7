import { createSignedDelivery, createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';

const secret = 'whsec_test';

// The catalog's sample data, typed: delivery.data.compositeScore is a number.
const sample = createSignedDelivery('score.changed', { secret });

// The sample with a few top-level fields replaced (a shallow merge).
const low = createSignedDelivery('score.changed', sampleData('score.changed', { compositeScore: 120 }), { secret });

// Your own data: the documented fields are required and typed; fields Armalo adds later are allowed.
const own = createSignedDelivery(
  'eval.completed',
  { evalId: 'e1', agentId: 'a1', pactId: 'p1', passed: false, checksTotal: 3, checksPassed: 1, durationMs: 812 },
  { secret },
);

// @ts-expect-error compositeScore is a number
createSignedDelivery('score.changed', sampleData('score.changed', { compositeScore: '862' }), { secret });
// @ts-expect-error a misspelled event name does not compile
createSignedDelivery('score.chanegd', { secret });

// Anything at all, unchecked: an event the catalog does not know, or data your receiver must refuse.
const refused = createUncheckedDelivery('score.changed', { compositeScore: 'high' }, { secret });

// A timestamp outside the replay window (default: 7 days back), for a test of the refusal.
const stale = createSignedDelivery('score.changed', { secret, timestamp: new Date(Date.now() - 8 * 86_400_000) });

export { low, own, refused, sample, stale };
