import { describe, expect, it } from 'vitest';
import { checkOrderBy } from '../engine-kit/order-by.js';
import { createMemoryInbox, createWebhookReceiver } from '../index.js';
import { createUncheckedDelivery } from '../testing/index.js';
import { orderKeyOf } from './order-key.js';

const event = { event: 'escrow.funded', timestamp: '2026-01-01T00:00:00Z', data: { escrowId: 'e1' } };

describe('orderKeyOf', () => {
  it('answers the key orderBy gives, or undefined without orderBy or for an unordered event', () => {
    expect(orderKeyOf((e) => `escrow:${String(e.data.escrowId)}`, event)).toBe('escrow:e1');
    expect(orderKeyOf(() => undefined, event)).toBeUndefined();
    expect(orderKeyOf(undefined, event)).toBeUndefined();
  });

  it('throws for a key that is not a non-empty string, naming the event', () => {
    expect(() => orderKeyOf(() => '', event)).toThrow(/an empty string for escrow\.funded/);
    expect(() => orderKeyOf(() => 42 as unknown as string, event)).toThrow(/answered number for escrow\.funded/);
  });

  it('checkOrderBy refuses an orderBy that is not a function, at creation', () => {
    expect(() => createMemoryInbox({ orderBy: 'escrowId' as never })).toThrow(
      "createMemoryInbox()'s orderBy must be a function",
    );
    expect(checkOrderBy(undefined, 'x')).toBeUndefined();
  });
});

describe('a receiver with an ordered inbox', () => {
  it('stores the key with the delivery; an orderBy that throws stores nothing', async () => {
    let broken = false;
    const inbox = createMemoryInbox({
      orderBy: (e) => {
        if (broken) throw new Error('orderBy bug');
        return `escrow:${String(e.data.escrowId)}`;
      },
    });
    const webhooks = createWebhookReceiver({ secret: 'whsec_order', inbox, logger: { warn() {}, error() {} } });
    const send = (escrowId: string) => {
      const signed = createUncheckedDelivery('escrow.funded', { escrowId }, { secret: 'whsec_order' });
      return webhooks.receive({ rawBody: signed.body, headers: signed.headers });
    };
    expect((await send('e1')).body).toEqual({ ok: true, queued: true });
    expect((await inbox.list()).map((entry) => entry.delivery.orderKey)).toEqual(['escrow:e1']);
    broken = true;
    const refused = await send('e2');
    expect(refused.body).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(await inbox.list()).toHaveLength(1);
  });
});
