import { describe, expectTypeOf, it } from 'vitest';
import { z } from 'zod';
import {
  type CatalogEventName,
  createMemoryStore,
  createWebhookReceiver,
  type EvalCompletedData,
  type EventName,
  type LegacyEventName,
  type ScoreChangedData,
  type StandardSchemaV1,
  type WebhookContext,
  type WebhookEvent,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from '../index.js';

const webhooks = createWebhookReceiver({ secret: 'whsec_types' });

type EscrowName = 'escrow.funded' | 'escrow.released' | 'escrow.disputed' | 'escrow.expired';

describe('on() narrows by name', () => {
  it('score.changed data is the documented shape', () => {
    webhooks.on('score.changed', (event, ctx) => {
      expectTypeOf(event.event).toEqualTypeOf<'score.changed'>();
      expectTypeOf(event.data.compositeScore).toEqualTypeOf<number>();
      expectTypeOf(event.data.previousScore).toEqualTypeOf<number>();
      expectTypeOf(event.data.agentId).toEqualTypeOf<string>();
      expectTypeOf(event.data.dimensions.costEfficiency).toEqualTypeOf<number>();
      expectTypeOf(event.data).toEqualTypeOf<ScoreChangedData>();
      expectTypeOf(event.timestamp).toEqualTypeOf<string>();
      expectTypeOf(ctx).toEqualTypeOf<WebhookContext<string>>();
    });
  });

  it('eval.completed data is the documented shape', () => {
    webhooks.on('eval.completed', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<EvalCompletedData>();
      expectTypeOf(event.data.passed).toEqualTypeOf<boolean>();
      expectTypeOf(event.data.checksPassed).toEqualTypeOf<number>();
    });
  });

  it('an undocumented event has data of unknown values', () => {
    webhooks.on('pact.violated', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
    });
  });

  it('legacy names are routable and their data is Record<string, unknown>', () => {
    webhooks.on('deal.accepted', (event) => {
      expectTypeOf(event.event).toEqualTypeOf<'deal.accepted'>();
      expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
    });
    webhooks.on('score.updated', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
    });
  });

  it('an unknown name does not compile', () => {
    // @ts-expect-error 'score.chnaged' is not an event name
    webhooks.on('score.chnaged', () => {});
    // @ts-expect-error not an event name, even inside an array
    webhooks.on(['eval.completed', 'eval.nope'], () => {});
    // @ts-expect-error a wildcard must be a prefix of a known name
    webhooks.on('billing.*', () => {});
    // @ts-expect-error no bare '*'
    webhooks.on('*', () => {});
  });

  it('fields beyond the documented ones are there, typed unknown (extras pass through)', () => {
    webhooks.on('score.changed', (event) => {
      expectTypeOf(event.data.somethingNew).toEqualTypeOf<unknown>();
      expectTypeOf(event.data.dimensions.novelty).toEqualTypeOf<unknown>();
      // @ts-expect-error a documented field keeps its type: compositeScore is not a string
      const score: string = event.data.compositeScore;
      void score;
    });
  });

  it('a handler for a different event shape does not compile', () => {
    const evalHandler = (event: WebhookEvent<'eval.completed', EvalCompletedData>) => event.data.passed;
    webhooks.on('eval.completed', evalHandler);
    // @ts-expect-error a score.changed event is not an eval.completed one
    webhooks.on('score.changed', evalHandler);
  });
});

describe('on() narrows by wildcard and by list', () => {
  it("'escrow.*' gives the union of the escrow names", () => {
    webhooks.on('escrow.*', (event) => {
      expectTypeOf(event.event).toEqualTypeOf<EscrowName>();
      expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
    });
  });

  it("'score.*' leaves out the legacy score.updated and discriminates on event", () => {
    webhooks.on('score.*', (event) => {
      expectTypeOf(event.event).toEqualTypeOf<'score.changed' | 'score.tier_changed'>();
      if (event.event === 'score.changed') expectTypeOf(event.data.compositeScore).toEqualTypeOf<number>();
    });
  });

  it("a multi-segment wildcard: 'agent.score.*'", () => {
    webhooks.on('agent.score.*', (event) => {
      expectTypeOf(event.event).toEqualTypeOf<'agent.score.changed'>();
    });
    webhooks.on('agent.*', (event) => {
      expectTypeOf(event.event).toEqualTypeOf<
        'agent.score.changed' | 'agent.reputation.updated' | 'agent.registered'
      >();
    });
  });

  it('an array of names gives their union, discriminated on event', () => {
    webhooks.on(['eval.completed', 'eval.failed'], (event) => {
      expectTypeOf(event.event).toEqualTypeOf<'eval.completed' | 'eval.failed'>();
      if (event.event === 'eval.completed') {
        expectTypeOf(event.data.passed).toEqualTypeOf<boolean>();
      } else {
        expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
      }
    });
  });

  it('an array can mix names and wildcards', () => {
    webhooks.on(['escrow.*', 'eval.failed'], (event) => {
      expectTypeOf(event.event).toEqualTypeOf<EscrowName | 'eval.failed'>();
    });
  });
});

describe('onAny() and onUnknown()', () => {
  it('onAny gets the union of every name', () => {
    webhooks.onAny((event) => {
      expectTypeOf(event.event).toEqualTypeOf<CatalogEventName>();
      expectTypeOf(event.event).toEqualTypeOf<EventName | LegacyEventName>();
      if (event.event === 'score.changed') expectTypeOf(event.data.compositeScore).toEqualTypeOf<number>();
    });
  });

  it('onUnknown gets any string name and unknown data', () => {
    webhooks.onUnknown((event) => {
      expectTypeOf(event.event).toEqualTypeOf<string>();
      expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
    });
  });

  it('the catalog has the 22 documented names', () => {
    expectTypeOf<EventName>().toEqualTypeOf<
      | 'score.changed'
      | 'agent.score.changed'
      | 'score.tier_changed'
      | 'agent.reputation.updated'
      | 'pact.violated'
      | 'pact.anchored'
      | 'pact.cosigned'
      | 'eval.completed'
      | 'eval.failed'
      | 'escrow.funded'
      | 'escrow.released'
      | 'escrow.disputed'
      | 'escrow.expired'
      | 'agent.registered'
      | 'wallet.verified'
      | 'certification.changed'
      | 'context_pack.published'
      | 'context_pack.safety_passed'
      | 'context_pack.safety_failed'
      | 'swarm.created'
      | 'swarm.halted'
      | 'monitoring.alert'
    >();
  });
});

describe('user schemas flow into handler types', () => {
  const withSchemas = createWebhookReceiver({
    secret: 'whsec_types',
    schemas: {
      // overrides a catalog event, with a transform: the handler sees the output type
      'pact.violated': z.object({
        pactId: z.string(),
        at: z.string().transform((value) => new Date(value)),
      }),
      // a name the catalog does not know yet
      'billing.invoice.paid': z.object({ invoiceId: z.string(), cents: z.number() }),
    },
  });

  it('overriding a catalog event', () => {
    withSchemas.on('pact.violated', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<{ pactId: string; at: Date }>();
    });
  });

  it('adding a new name, routable exactly and by wildcard', () => {
    withSchemas.on('billing.invoice.paid', (event) => {
      expectTypeOf(event.data).toEqualTypeOf<{ invoiceId: string; cents: number }>();
    });
    withSchemas.on('billing.*', (event) => {
      expectTypeOf(event.event).toEqualTypeOf<'billing.invoice.paid'>();
    });
  });

  it('catalog events keep their types next to user schemas', () => {
    withSchemas.on('score.changed', (event) => {
      expectTypeOf(event.data.compositeScore).toEqualTypeOf<number>();
    });
  });

  it('onAny includes the new name', () => {
    withSchemas.onAny((event) => {
      expectTypeOf(event.event).toEqualTypeOf<CatalogEventName | 'billing.invoice.paid'>();
    });
  });

  it('a receiver without that schema does not know the new name', () => {
    // @ts-expect-error billing.invoice.paid exists only on the receiver given its schema
    webhooks.on('billing.invoice.paid', () => {});
  });

  it('any Standard Schema v1 validator works, not only zod', () => {
    const custom: StandardSchemaV1<unknown, { level: 'warn' | 'page' }> = {
      '~standard': { version: 1, vendor: 'custom', validate: (value) => ({ value: value as { level: 'warn' } }) },
    };
    createWebhookReceiver({ secret: 's', schemas: { 'monitoring.alert': custom } }).on('monitoring.alert', (event) => {
      expectTypeOf(event.data.level).toEqualTypeOf<'warn' | 'page'>();
    });
  });

  it('an option that is not a schema does not compile', () => {
    // @ts-expect-error schemas must be Standard Schema validators
    createWebhookReceiver({ secret: 's', schemas: { 'monitoring.alert': { parse: () => 1 } } });
  });
});

describe('receive() and ctx', () => {
  it('receive answers a WebhookResult promise', async () => {
    const result = await webhooks.receive({ rawBody: new Uint8Array(), headers: {} });
    expectTypeOf(result.status).toEqualTypeOf<number>();
    expectTypeOf(result.headers).toEqualTypeOf<Record<string, string>>();
  });

  it('ctx carries the idempotency key, secret index, received-at and headers', () => {
    webhooks.onAny((_event, ctx) => {
      expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>();
      expectTypeOf(ctx.secretIndex).toEqualTypeOf<number>();
      expectTypeOf(ctx.receivedAt).toEqualTypeOf<Date>();
      expectTypeOf(ctx.header).toEqualTypeOf<(name: string) => string | undefined>();
      expectTypeOf(ctx.rawBody).toEqualTypeOf<Uint8Array>();
    });
  });

  it('rawBody takes bytes or a string, not an object', () => {
    webhooks.receive({ rawBody: Buffer.from('{}'), headers: {} });
    webhooks.receive({ rawBody: '{}', headers: new Headers() });
    webhooks.receive({ rawBody: new ArrayBuffer(0), headers: { 'x-armalo-signature': ['a', 'b'] } });
    // @ts-expect-error a parsed body is not a raw body
    webhooks.receive({ rawBody: { event: 'score.changed' }, headers: {} });
  });
});

describe('ctx.idempotencyKey follows the idempotency option', () => {
  it('is a string when idempotency is on: the default, or a store', () => {
    createWebhookReceiver({ secret: 's' }).on('score.changed', (_event, ctx) => {
      expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>();
      expectTypeOf(ctx.deliveryId).toEqualTypeOf<string>();
    });
    createWebhookReceiver({ secret: 's', idempotency: { store: createMemoryStore(), leaseMs: 1_000 } }).onAny(
      (_event, ctx) => expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>(),
    );
  });

  it('may be undefined when idempotency is off, or when the options are only known by their type', () => {
    createWebhookReceiver({ secret: 's', idempotency: false }).on('score.changed', (_event, ctx) => {
      expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string | undefined>();
    });
    const options: WebhookReceiverOptions = { secret: 's' };
    createWebhookReceiver(options).onUnknown((_event, ctx) => {
      expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string | undefined>();
    });
  });

  it('schemas are still inferred next to it', () => {
    const receiver = createWebhookReceiver({
      secret: 's',
      schemas: { 'monitoring.alert': z.object({ level: z.enum(['warn', 'page']) }) },
    });
    receiver.on('monitoring.alert', (event, ctx) => {
      expectTypeOf(event.data.level).toEqualTypeOf<'warn' | 'page'>();
      expectTypeOf(ctx.idempotencyKey).toEqualTypeOf<string>();
    });
  });

  it('a narrowed receiver is still a WebhookReceiver', () => {
    expectTypeOf(createWebhookReceiver({ secret: 's' })).toExtend<WebhookReceiver>();
  });
});

describe('legacy names and wildcards', () => {
  it("'pact.*' is the documented pact events; a legacy name is routed by its exact name", () => {
    webhooks.on('pact.*', (event) => {
      expectTypeOf(event.event).toEqualTypeOf<'pact.violated' | 'pact.anchored' | 'pact.cosigned'>();
    });
    webhooks.on(['pact.*', 'pact.verified', 'pact.created'], (event) => {
      expectTypeOf(event.event).toEqualTypeOf<
        'pact.violated' | 'pact.anchored' | 'pact.cosigned' | 'pact.verified' | 'pact.created'
      >();
    });
    // @ts-expect-error only legacy names start with 'deal.': name them
    webhooks.on('deal.*', () => {});
  });

  it('a legacy name given a schema is yours, and wildcards match it', () => {
    createWebhookReceiver({ secret: 's', schemas: { 'pact.created': z.object({ pactId: z.string() }) } }).on(
      'pact.*',
      (event) => {
        expectTypeOf(event.event).toEqualTypeOf<'pact.violated' | 'pact.anchored' | 'pact.cosigned' | 'pact.created'>();
      },
    );
  });
});

describe('a misspelt event name', () => {
  it('is a type error that names it and points at EventName', () => {
    // @ts-expect-error misspelt
    webhooks.on('score.chnaged', () => {});
    // @ts-expect-error misspelt inside an array
    webhooks.on(['score.changed', 'escrow.fundd'], () => {});
    // @ts-expect-error no event starts with 'pakt.'
    webhooks.on('pakt.*', () => {});
    type Pattern = Parameters<typeof webhooks.on<'score.chnaged'>>[0];
    expectTypeOf<
      Extract<Pattern, string>
    >().toEqualTypeOf<'score.chnaged is not an event name or wildcard this receiver knows: see EventName'>();
  });
});

describe('the freshness option', () => {
  it('types each key function by its event name, and refuses a name no receiver routes', () => {
    createWebhookReceiver({
      secret: 'whsec_types',
      freshness: {
        'score.changed': (event) => {
          expectTypeOf(event.data).toEqualTypeOf<ScoreChangedData>();
          return `agent-score:${event.data.agentId}`;
        },
        'escrow.funded': (event) => String(event.data.escrowId),
      },
    });
    createWebhookReceiver({
      secret: 'whsec_types',
      // @ts-expect-error: a misspelled event name is not a freshness key
      freshness: { 'score.chnaged': () => 'k' },
    });
    webhooks.on('score.changed', (_event, ctx) => {
      expectTypeOf(ctx.freshness?.advances).toEqualTypeOf<boolean | undefined>();
      expectTypeOf(ctx.freshness?.watermark).toEqualTypeOf<Date | undefined>();
    });
  });
});
