import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import {
  delivery,
  expectCode,
  keyFor,
  OLD_SECRET,
  receiverWith,
  SECRET,
  silentLogger,
  spyStore,
} from '../fixtures/receiver.js';
import { createWebhookReceiver, type StandardSchemaV1 } from '../index.js';
import { sampleData } from '../testing/index.js';

describe('receive(): dispatch', () => {
  it('runs handlers in registration order across on(), arrays, wildcards and onAny()', async () => {
    const calls: string[] = [];
    const record = (name: string) => async () => {
      await Promise.resolve();
      calls.push(name);
    };
    const receiver = receiverWith()
      .on('score.*', record('wildcard score.*'))
      .onAny(record('any 1'))
      .on('score.changed', record('exact'))
      .on(['eval.completed', 'score.changed'], record('array'))
      .on('eval.completed', record('eval only'))
      .onAny(record('any 2'))
      .on('score.tier_changed', record('tier only'));
    await receiver.receive(delivery('score.changed', sampleData('score.changed')));
    expect(calls).toEqual(['wildcard score.*', 'any 1', 'exact', 'array', 'any 2']);
  });

  it('a handler registered once for overlapping patterns runs once', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on(['escrow.*', 'escrow.funded', 'escrow.funded'], handler);
    await receiver.receive(delivery('escrow.funded', {}));
    expect(handler).toHaveBeenCalledTimes(1);
    await receiver.receive(delivery('escrow.expired', {}));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('the same handler registered twice runs twice', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().on('escrow.funded', handler).on('escrow.*', handler);
    await receiver.receive(delivery('escrow.funded', {}));
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('the first failure stops the run and fails the delivery', async () => {
    const first = vi.fn();
    const second = vi.fn(async () => {
      throw new Error('nope');
    });
    const third = vi.fn();
    const receiver = receiverWith().on('eval.failed', first).onAny(second).on('eval.*', third);
    expectCode(await receiver.receive(delivery('eval.failed', {})), 'HANDLER_FAILED');
    expect(first).toHaveBeenCalledTimes(1);
    expect(second).toHaveBeenCalledTimes(1);
    expect(third).not.toHaveBeenCalled();
  });

  it('waits for each async handler before starting the next', async () => {
    const calls: string[] = [];
    const receiver = receiverWith()
      .onAny(async () => {
        await new Promise((resolve) => setTimeout(resolve, 10));
        calls.push('slow done');
      })
      .onAny(() => {
        calls.push('second');
      });
    await receiver.receive(delivery('eval.failed', {}));
    expect(calls).toEqual(['slow done', 'second']);
  });

  it('a known event with no handler is acknowledged and its key completed', async () => {
    const store = spyStore();
    const receiver = receiverWith({ idempotency: { store } });
    const input = delivery('swarm.halted', {});
    expect((await receiver.receive(input)).body).toEqual({ ok: true });
    expect(store.complete).toHaveBeenCalledTimes(1);
    expect((await receiver.receive(input)).body).toEqual({ ok: true, duplicate: true });
  });

  it('gives handlers ctx: idempotency key, secret index, received-at, headers and header()', async () => {
    const handler = vi.fn();
    const receiver = createWebhookReceiver({ secret: [SECRET, OLD_SECRET], logger: silentLogger() }).on(
      'eval.failed',
      handler,
    );
    const input = delivery('eval.failed', {}, { secret: OLD_SECRET });
    const headers = { ...input.headers, 'x-request-id': 'req-1', 'x-multi': ['a', 'b'] };
    const before = Date.now();
    await receiver.receive({ rawBody: input.rawBody, headers, context: { custom: 1 } as never });
    const ctx = handler.mock.calls[0]![1];
    // Scoped by the secret that verified the delivery.
    expect(ctx.idempotencyKey).toBe(keyFor(input.rawBody, OLD_SECRET));
    expect(ctx.secretIndex).toBe(1);
    expect(ctx.receivedAt).toBeInstanceOf(Date);
    expect(ctx.receivedAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(ctx.receivedAt.getTime()).toBeLessThanOrEqual(Date.now());
    expect(ctx.headers).toBe(headers);
    expect(ctx.header('X-Request-Id')).toBe('req-1');
    expect(ctx.header('x-multi')).toBe('a, b');
    expect(ctx.header('x-absent')).toBeUndefined();
    expect(Buffer.from(ctx.rawBody).toString()).toBe(input.rawBody);
    expect(ctx.custom).toBe(1);
  });

  it('ctx.header() is case-insensitive over a fetch Headers too', async () => {
    const handler = vi.fn();
    const receiver = receiverWith().onAny(handler);
    const input = delivery('eval.failed', {});
    await receiver.receive({
      rawBody: input.rawBody,
      headers: new Headers({ ...(input.headers as object), 'X-Id': '9' }),
    });
    expect(handler.mock.calls[0]![1].header('x-ID')).toBe('9');
  });
});

describe('receive(): user schemas', () => {
  it('validates a catalog event with a user zod schema and hands the transformed output to the handler', async () => {
    const schemas = {
      'pact.violated': z.object({
        pactId: z.string(),
        severity: z.enum(['low', 'high']).transform((s) => s.toUpperCase()),
        at: z.string().transform((s) => new Date(s)),
      }),
    };
    const handler = vi.fn();
    const receiver = receiverWith({ schemas }).on('pact.violated', handler);
    const ok = await receiver.receive(
      delivery('pact.violated', { pactId: 'p1', severity: 'high', at: '2026-03-16T10:00:00Z' }),
    );
    expect(ok.body).toEqual({ ok: true });
    expect(handler.mock.calls[0]![0].data).toEqual({
      pactId: 'p1',
      severity: 'HIGH',
      at: new Date('2026-03-16T10:00:00Z'),
    });
    const bad = await receiver.receive(delivery('pact.violated', { pactId: 'p1', severity: 'medium', at: 'x' }));
    expectCode(bad, 'INVALID_EVENT_DATA');
    expect(bad.body).toMatchObject({ details: { event: 'pact.violated', issues: [{ path: 'severity' }] } });
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('a user schema replaces the catalog schema for that name', async () => {
    const schemas = { 'score.changed': z.looseObject({ agentId: z.string() }) };
    const handler = vi.fn();
    const receiver = receiverWith({ schemas }).on('score.changed', handler);
    expect((await receiver.receive(delivery('score.changed', { agentId: 'a', extra: 1 }))).body).toEqual({ ok: true });
    expect(handler.mock.calls[0]![0].data).toEqual({ agentId: 'a', extra: 1 });
  });

  it('adds an event name the catalog does not know: routable with on() and wildcards, not "unknown"', async () => {
    const schemas = { 'billing.invoice.paid': z.object({ invoiceId: z.string(), cents: z.number().int() }) };
    const exact = vi.fn();
    const wildcard = vi.fn();
    const unknown = vi.fn();
    const receiver = receiverWith({ schemas, unknownEvents: 'reject' })
      .on('billing.invoice.paid', exact)
      .on('billing.*', wildcard)
      .onUnknown(unknown);
    const result = await receiver.receive(delivery('billing.invoice.paid', { invoiceId: 'in_1', cents: 100 }));
    expect(result.body).toEqual({ ok: true });
    expect(result.meta.unknownEvent).toBeUndefined();
    expect(exact.mock.calls[0]![0].data).toEqual({ invoiceId: 'in_1', cents: 100 });
    expect(wildcard).toHaveBeenCalledTimes(1);
    expect(unknown).not.toHaveBeenCalled();
    expectCode(
      await receiver.receive(delivery('billing.invoice.paid', { invoiceId: 'in_1', cents: 1.5 })),
      'INVALID_EVENT_DATA',
    );
  });

  it('awaits an async Standard Schema validator and reports its issues with path segments', async () => {
    const seen: unknown[] = [];
    const asyncSchema: StandardSchemaV1<unknown, { id: string; checked: true }> = {
      '~standard': {
        version: 1,
        vendor: 'test',
        async validate(value) {
          seen.push(value);
          await new Promise((resolve) => setTimeout(resolve, 5));
          const id = (value as { id?: unknown }).id;
          if (typeof id !== 'string') {
            return { issues: [{ message: 'id must be a string', path: [{ key: 'id' }, 0, 'deep'] }] };
          }
          return { value: { id, checked: true as const } };
        },
      },
    };
    const handler = vi.fn();
    const receiver = receiverWith({ schemas: { 'wallet.verified': asyncSchema } }).on('wallet.verified', handler);
    expect((await receiver.receive(delivery('wallet.verified', { id: 'w1' }))).body).toEqual({ ok: true });
    expect(handler.mock.calls[0]![0].data).toEqual({ id: 'w1', checked: true });
    const bad = await receiver.receive(delivery('wallet.verified', { id: 7 }));
    expectCode(bad, 'INVALID_EVENT_DATA');
    expect(bad.body).toMatchObject({ details: { issues: [{ path: 'id.0.deep', message: 'id must be a string' }] } });
    expect(seen).toEqual([{ id: 'w1' }, { id: 7 }]);
  });
});
