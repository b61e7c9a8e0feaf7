import { describe, expectTypeOf, it } from 'vitest';
import type { EvalCompletedData, ScoreChangedData } from '../index.js';
import { createSignedDelivery, createUncheckedDelivery, type SignedDelivery, sampleData } from './index.js';

const secret = 'whsec_types';

describe('createSignedDelivery is typed by the catalog', () => {
  it('types event and data from the name, with or without data', () => {
    const score = createSignedDelivery('score.changed', sampleData('score.changed'), { secret });
    expectTypeOf(score.event).toEqualTypeOf<'score.changed'>();
    expectTypeOf(score.data).toEqualTypeOf<ScoreChangedData>();
    const sample = createSignedDelivery('eval.completed', { secret });
    expectTypeOf(sample).toEqualTypeOf<SignedDelivery<'eval.completed'>>();
    expectTypeOf(sample.data).toEqualTypeOf<EvalCompletedData>();
    expectTypeOf(createSignedDelivery('pact.violated', { secret }).data).toEqualTypeOf<Record<string, unknown>>();
  });

  it('refuses a misspelled or unknown name', () => {
    // @ts-expect-error 'score.chnaged' is not a catalog event
    createSignedDelivery('score.chnaged', { secret });
    // @ts-expect-error not a catalog event, with data either
    createSignedDelivery('billing.paid', {}, { secret });
  });

  it('refuses data of the wrong shape', () => {
    // @ts-expect-error compositeScore is a number
    createSignedDelivery('score.changed', { ...sampleData('score.changed'), compositeScore: '862' }, { secret });
    // @ts-expect-error the documented fields are required: a partial payload is not a score.changed
    createSignedDelivery('score.changed', { compositeScore: 862 }, { secret });
    // @ts-expect-error passed is a boolean
    createSignedDelivery('eval.completed', { ...sampleData('eval.completed'), passed: 'yes' }, { secret });
    // @ts-expect-error data must be an object
    createSignedDelivery('pact.violated', 'violated', { secret });
  });

  it('allows fields beyond the documented ones, as the provider may send them', () => {
    createSignedDelivery('score.changed', { ...sampleData('score.changed'), deliveryId: 'd1' }, { secret });
    createSignedDelivery(
      'score.changed',
      { ...sampleData('score.changed'), dimensions: { ...sampleData('score.changed').dimensions, novelty: 0.5 } },
      { secret },
    );
    createSignedDelivery('pact.violated', { pactId: 'p1', anything: [1, 2] }, { secret });
    createSignedDelivery('deal.accepted', { dealId: 'd1' }, { secret });
  });

  it('needs the secret', () => {
    // @ts-expect-error no options
    createSignedDelivery('score.changed');
    // @ts-expect-error the secret is required
    createSignedDelivery('score.changed', sampleData('score.changed'), {});
  });
});

describe('sampleData overrides', () => {
  it('takes a partial of the event data, typed', () => {
    expectTypeOf(sampleData('score.changed', { compositeScore: 400 })).toEqualTypeOf<ScoreChangedData>();
    // @ts-expect-error compositeScore is a number
    sampleData('score.changed', { compositeScore: 'high' });
  });
});

describe('createUncheckedDelivery', () => {
  it('takes any name and any data, and says what it was given', () => {
    const d = createUncheckedDelivery('billing.paid', { invoiceId: 'in_1' }, { secret });
    expectTypeOf(d.event).toEqualTypeOf<'billing.paid'>();
    expectTypeOf(d.data).toEqualTypeOf<{ invoiceId: string }>();
  });
});

describe('the host shapes', () => {
  it('are plain shapes the hosts take', () => {
    const d = createSignedDelivery('score.changed', { secret });
    expectTypeOf(d.toRequest('http://localhost/webhooks/armalo')).toEqualTypeOf<Request>();
    expectTypeOf(d.toInject('/webhooks/armalo')).toExtend<{
      method: string;
      url: string;
      headers: Record<string, string>;
      payload: string;
    }>();
    expectTypeOf(d.headers).toExtend<Record<string, string>>();
  });
});
