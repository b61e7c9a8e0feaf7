import { describe, expect, it, vi } from 'vitest';
import { createMemoryStore, createWebhookReceiver, type WebhookResult } from '../index.js';
import { createSignedDelivery, sampleData } from '../testing/index.js';

const SECRET = 'whsec_exactly_once_55e1';

function silentLogger() {
  return { warn: vi.fn(), error: vi.fn() };
}

function delivery() {
  const { body, headers } = createSignedDelivery('eval.completed', sampleData('eval.completed'), { secret: SECRET });
  return { rawBody: body, headers, method: 'POST' };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function tally(results: WebhookResult[]) {
  const counts = { processed: 0, duplicate: 0, inProgress: 0, other: 0 };
  for (const result of results) {
    if (result.status === 200 && (result.body as { duplicate?: true }).duplicate) counts.duplicate++;
    else if (result.status === 200) counts.processed++;
    else if (result.status === 409) {
      counts.inProgress++;
      expect(result.body).toMatchObject({ code: 'DELIVERY_IN_PROGRESS' });
      expect(Number(result.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    } else counts.other++;
  }
  return counts;
}

describe('exactly once', () => {
  it('50 concurrent identical deliveries run the handler once', async () => {
    const handler = vi.fn(async () => {
      await delay(20);
    });
    const receiver = createWebhookReceiver({ secret: SECRET, logger: silentLogger() }).on('eval.completed', handler);
    const input = delivery();
    const results = await Promise.all(Array.from({ length: 50 }, () => receiver.receive(input)));
    expect(handler).toHaveBeenCalledTimes(1);
    const counts = tally(results);
    expect(counts.processed).toBe(1);
    expect(counts.other).toBe(0);
    expect(counts.duplicate + counts.inProgress).toBe(49);

    // Once completed, every further copy is a duplicate.
    const later = await Promise.all(Array.from({ length: 5 }, () => receiver.receive(input)));
    expect(later.map((r) => r.body)).toEqual(Array(5).fill({ ok: true, duplicate: true }));
    expect(handler).toHaveBeenCalledTimes(1);
  });

  it('50 concurrent deliveries with a synchronous handler also run it once', async () => {
    const handler = vi.fn();
    const receiver = createWebhookReceiver({ secret: SECRET, logger: silentLogger() }).onAny(handler);
    const input = delivery();
    const results = await Promise.all(Array.from({ length: 50 }, () => receiver.receive(input)));
    expect(handler).toHaveBeenCalledTimes(1);
    expect(tally(results)).toMatchObject({ processed: 1, other: 0 });
  });

  it('a failure followed by a retry runs the handler once more, then dedups', async () => {
    let fail = true;
    const handler = vi.fn(async () => {
      await delay(5);
      if (fail) throw new Error('transient');
    });
    const onError = vi.fn();
    const receiver = createWebhookReceiver({ secret: SECRET, logger: silentLogger(), onError }).onAny(handler);
    const input = delivery();

    const first = await receiver.receive(input);
    expect(first.status).toBe(500);
    expect(first.body).toMatchObject({ code: 'HANDLER_FAILED' });
    expect(onError).toHaveBeenCalledTimes(1);

    fail = false;
    const retry = await receiver.receive(input);
    expect(retry.body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(2);

    const again = await receiver.receive(input);
    expect(again.body).toEqual({ ok: true, duplicate: true });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('concurrent copies of a failing delivery: one 500, the rest 409, then the retry runs once', async () => {
    let fail = true;
    const handler = vi.fn(async () => {
      await delay(10);
      if (fail) throw new Error('transient');
    });
    const receiver = createWebhookReceiver({ secret: SECRET, logger: silentLogger(), onError: () => {} }).onAny(
      handler,
    );
    const input = delivery();
    const results = await Promise.all(Array.from({ length: 20 }, () => receiver.receive(input)));
    expect(results.filter((r) => r.status === 500)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409)).toHaveLength(19);
    expect(handler).toHaveBeenCalledTimes(1);

    fail = false;
    const retries = await Promise.all(Array.from({ length: 20 }, () => receiver.receive(input)));
    expect(tally(retries)).toMatchObject({ processed: 1, other: 0 });
    expect(handler).toHaveBeenCalledTimes(2);
  });

  it('an attempt whose lease expired cannot complete over the newer attempt', async () => {
    let clock = 1_000_000;
    const store = createMemoryStore({ now: () => clock });
    const receiver = createWebhookReceiver({
      secret: SECRET,
      logger: silentLogger(),
      idempotency: { store, leaseMs: 1_000 },
    });
    const gates: Array<() => void> = [];
    const started: number[] = [];
    receiver.onAny(async () => {
      started.push(clock);
      await new Promise<void>((resolve) => gates.push(resolve));
    });
    const input = delivery();

    const slow = receiver.receive(input);
    await vi.waitFor(() => expect(started).toHaveLength(1));
    expect((await receiver.receive(input)).status).toBe(409);

    clock += 1_000; // the first lease has run out: a retry may take over
    const second = receiver.receive(input);
    await vi.waitFor(() => expect(started).toHaveLength(2));

    gates[0]!(); // the stale attempt finishes first; its complete() must be ignored
    expect((await slow).body).toEqual({ ok: true });
    const whileSecondRuns = await receiver.receive(input);
    expect(whileSecondRuns.status).toBe(409);

    gates[1]!();
    expect((await second).body).toEqual({ ok: true });
    expect((await receiver.receive(input)).body).toEqual({ ok: true, duplicate: true });
  });

  it('an attempt whose lease expired cannot release the newer attempt on failure', async () => {
    let clock = 0;
    const store = createMemoryStore({ now: () => clock });
    const receiver = createWebhookReceiver({
      secret: SECRET,
      logger: silentLogger(),
      onError: () => {},
      idempotency: { store, leaseMs: 500 },
    });
    const gates: Array<(error?: Error) => void> = [];
    const handler = vi.fn(
      () => new Promise<void>((resolve, reject) => gates.push((error) => (error ? reject(error) : resolve()))),
    );
    receiver.onAny(handler);
    const input = delivery();

    const stale = receiver.receive(input);
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(1));
    clock += 501;
    const fresh = receiver.receive(input);
    await vi.waitFor(() => expect(handler).toHaveBeenCalledTimes(2));

    gates[0]!(new Error('stale attempt failed'));
    expect((await stale).status).toBe(500);
    // The newer attempt still holds the key.
    expect((await receiver.receive(input)).status).toBe(409);
    expect(handler).toHaveBeenCalledTimes(2);

    gates[1]!();
    expect((await fresh).body).toEqual({ ok: true });
    expect((await receiver.receive(input)).body).toEqual({ ok: true, duplicate: true });
  });
});
