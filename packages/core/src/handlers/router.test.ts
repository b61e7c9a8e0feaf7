import { describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { EVENT_CATALOG, isCatalogEventName } from '../events/catalog.js';
import { createWebhookReceiver } from '../receiver/receiver.js';
import { Router } from './router.js';

function catalogRouter() {
  return new Router(isCatalogEventName, () => Object.keys(EVENT_CATALOG));
}

const noop = () => {};

describe('Router', () => {
  it('on() with an unknown name throws a TypeError that lists the known names and the way out', () => {
    const router = catalogRouter();
    expect(() => router.add('score.chnaged', noop)).toThrow(TypeError);
    try {
      router.add('score.chnaged', noop);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain("unknown event 'score.chnaged'");
      expect(message).toContain('score.changed');
      expect(message).toContain('schemas');
      expect(message).toContain('onUnknown');
    }
  });

  it.each(['nothing.*', 'escrow.funded.*', '.*', 'scor.*'])('a wildcard that matches nothing throws: %s', (pattern) => {
    expect(() => catalogRouter().add(pattern, noop)).toThrow(/matches no known event/);
  });

  it.each(['*', 'escrow*', 'escrow.', ''])('a malformed pattern is an unknown event: %j', (pattern) => {
    expect(() => catalogRouter().add(pattern, noop)).toThrow(TypeError);
  });

  it('refuses an empty list, a non-function handler, and a non-string name', () => {
    const router = catalogRouter();
    expect(() => router.add([], noop)).toThrow(/at least one event name/);
    expect(() => router.add('eval.failed', 'handler' as never)).toThrow(/handler function/);
    expect(() => router.add([42 as never], noop)).toThrow(/must be strings/);
    expect(() => router.addAny(undefined as never)).toThrow(/onAny\(\) needs a handler function/);
    expect(() => router.addUnknown(null as never)).toThrow(/onUnknown\(\) needs a handler function/);
  });

  it('a rejected on() registers nothing, not even its valid patterns', () => {
    const router = catalogRouter();
    const handler = vi.fn();
    expect(() => router.add(['eval.completed', 'not.an.event'], handler)).toThrow(TypeError);
    expect(router.handlersFor('eval.completed')).toEqual([]);
  });

  it('matches exact names, arrays, prefixes and any, in registration order', () => {
    const router = catalogRouter();
    const [a, b, c, d, e] = [vi.fn(), vi.fn(), vi.fn(), vi.fn(), vi.fn()];
    router.add('escrow.*', a);
    router.add(['escrow.funded', 'eval.failed'], b);
    router.addAny(c);
    router.add('escrow.released', d);
    router.add('agent.score.*', e);
    expect(router.handlersFor('escrow.funded')).toEqual([a, b, c]);
    expect(router.handlersFor('escrow.released')).toEqual([a, c, d]);
    expect(router.handlersFor('eval.failed')).toEqual([b, c]);
    expect(router.handlersFor('agent.score.changed')).toEqual([c, e]);
    expect(router.handlersFor('agent.registered')).toEqual([c]);
  });

  it('a wildcard matches on whole segments only', () => {
    const router = catalogRouter();
    const handler = vi.fn();
    router.add('score.*', handler);
    expect(router.handlersFor('score.changed')).toEqual([handler]);
    expect(router.handlersFor('score.tier_changed')).toEqual([handler]);
    expect(router.handlersFor('score.updated')).toEqual([handler]);
    expect(router.handlersFor('agent.score.changed')).toEqual([]);
  });

  it('a handler registered later is seen by the next lookup (the cache is invalidated)', () => {
    const router = catalogRouter();
    const a = vi.fn();
    const b = vi.fn();
    router.add('eval.failed', a);
    expect(router.handlersFor('eval.failed')).toEqual([a]);
    router.addAny(b);
    expect(router.handlersFor('eval.failed')).toEqual([a, b]);
  });

  it('overlapping patterns of one registration give the handler once', () => {
    const router = catalogRouter();
    const handler = vi.fn();
    router.add(['escrow.*', 'escrow.funded', 'escrow.funded'], handler);
    expect(router.handlersFor('escrow.funded')).toEqual([handler]);
  });

  it('keeps unknown-event handlers apart', () => {
    const router = catalogRouter();
    const unknown = vi.fn();
    router.addUnknown(unknown);
    router.addAny(noop);
    expect(router.unknownHandlers).toEqual([unknown]);
  });
});

describe('on() through the receiver', () => {
  const secret = 'whsec_router';

  it('throws for an unknown name and for a wildcard matching nothing', () => {
    const receiver = createWebhookReceiver({ secret });
    expect(() => receiver.on('no.such.event' as never, noop)).toThrow(TypeError);
    expect(() => receiver.on('billing.*' as never, noop)).toThrow(/matches no known event/);
  });

  it('knows legacy names and schema names; wildcards match schema names but not legacy ones', () => {
    const receiver = createWebhookReceiver({
      secret,
      schemas: { 'billing.invoice.paid': z.object({ id: z.string() }) },
    });
    expect(() => receiver.on('deal.completed', noop)).not.toThrow();
    expect(() => receiver.on('transaction.*' as never, noop)).toThrow(
      "the wildcard 'transaction.*' matches only legacy events, which wildcards leave out; name them: transaction.completed",
    );
    expect(() => receiver.on('billing.invoice.paid', noop)).not.toThrow();
    expect(() => receiver.on('billing.*', noop)).not.toThrow();
    expect(() => receiver.on('billing.invoice.*', noop)).not.toThrow();
  });

  it('returns the receiver for chaining', () => {
    const receiver = createWebhookReceiver({ secret });
    expect(receiver.on('eval.failed', noop)).toBe(receiver);
    expect(receiver.onAny(noop)).toBe(receiver);
    expect(receiver.onUnknown(noop)).toBe(receiver);
  });
});
