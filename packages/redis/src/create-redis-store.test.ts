import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery } from '@armalo-webhooks/core/testing';
import { describe, expect, it, vi } from 'vitest';
import { createRedisStore } from './create-redis-store.js';
import { CLAIM, COMPLETE, RELEASE } from './scripts.js';

/** A fake node-redis client answering every script with `reply`, recording the arguments. */
function fakeClient(reply: unknown) {
  const calls: string[][] = [];
  const listeners: ((error: Error) => void)[] = [];
  return {
    calls,
    listeners,
    client: {
      sendCommand: async (args: string[]) => {
        calls.push(args);
        return reply;
      },
      on: (_event: 'error', listener: (error: Error) => void) => listeners.push(listener),
    },
  };
}

describe('createRedisStore', () => {
  it('maps script replies to claims', async () => {
    expect(await createRedisStore({ client: fakeClient(-1).client }).claim('k', 1_000)).toEqual({
      status: 'duplicate',
    });
    expect(await createRedisStore({ client: fakeClient(1234).client }).claim('k', 1_000)).toEqual({
      status: 'in-flight',
      retryAfterMs: 1234,
    });
    expect(await createRedisStore({ client: fakeClient(-2).client }).claim('k', 1_000)).toEqual({
      status: 'in-flight',
    });
    const claim = await createRedisStore({ client: fakeClient(0).client }).claim('k', 1_000);
    expect(claim.status).toBe('claimed');
    await expect(createRedisStore({ client: fakeClient(-7).client }).claim('k', 1_000)).rejects.toThrow(
      /unexpected claim reply/,
    );
  });

  it('sends whole milliseconds, a fresh UUID token per claim, and "" for retention past a century', async () => {
    const { client, calls } = fakeClient(0);
    const store = createRedisStore({ client, keyPrefix: 'p:' });
    const first = await store.claim('k', 1.2);
    const second = await store.claim('k', 0);
    if (first.status !== 'claimed' || second.status !== 'claimed') throw new Error('expected claims');
    expect(first.token).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(first.token).not.toBe(second.token);
    await store.complete('k', first.token, 5_000.5);
    await store.complete('k', first.token, Number.POSITIVE_INFINITY);
    await store.release('k', first.token);
    expect(calls).toEqual([
      ['EVALSHA', CLAIM.sha, '1', 'p:k', first.token, '2'],
      ['EVALSHA', CLAIM.sha, '1', 'p:k', second.token, '1'],
      ['EVALSHA', COMPLETE.sha, '1', 'p:k', first.token, '5001'],
      ['EVALSHA', COMPLETE.sha, '1', 'p:k', first.token, ''],
      ['EVALSHA', RELEASE.sha, '1', 'p:k', first.token],
    ]);
    await expect(store.claim('k', Number.NaN)).rejects.toThrow(RangeError);
  });

  it('listens for client errors unless told not to, and validates its options', () => {
    const attached = fakeClient(0);
    createRedisStore({ client: attached.client });
    expect(attached.listeners).toHaveLength(1);
    const declined = fakeClient(0);
    createRedisStore({ client: declined.client, onClientError: false });
    expect(declined.listeners).toHaveLength(0);
    expect(() => createRedisStore({ client: null as never })).toThrow(TypeError);
  });
});

/**
 * A node-redis client over an in-memory lease table, whose first claim reaches the server only
 * after `claimDelayMs`: a slow network or a busy server.
 */
function slowFirstClaimClient(claimDelayMs: number) {
  const leases = new Map<string, string>();
  const sent: string[] = [];
  let delayed = false;
  const answer = ([, sha, , key, token]: string[]) => {
    if (sha === CLAIM.sha) {
      sent.push('claim');
      if (leases.has(key as string)) return -2;
      leases.set(key as string, token as string);
      return 0;
    }
    if (sha === RELEASE.sha && leases.get(key as string) === token) {
      sent.push('release');
      leases.delete(key as string);
    }
    if (sha === COMPLETE.sha) sent.push('complete');
    return 1;
  };
  return {
    sent,
    client: {
      sendCommand: async (args: string[]) => {
        if (args[1] === CLAIM.sha && !delayed) {
          delayed = true;
          await new Promise((resolve) => setTimeout(resolve, claimDelayMs));
        }
        return answer(args);
      },
      on: () => {},
    },
  };
}

describe('createRedisStore under the receiver’s timeout', () => {
  it('a claim that lands after idempotency.timeoutMs is released, so the retry is claimed, not in flight', async () => {
    // Past the 2 s the store used to time its own calls out at, which left the late lease held.
    const { client, sent } = slowFirstClaimClient(2_200);
    const handler = vi.fn();
    const receiver = createWebhookReceiver({
      secret: 'whsec_redis_late',
      logger: { warn: vi.fn(), error: vi.fn() },
      idempotency: { store: createRedisStore({ client }), timeoutMs: 100 },
    }).onAny(handler);
    const { body, headers } = createSignedDelivery('eval.failed', {}, { secret: 'whsec_redis_late' });
    const first = await receiver.receive({ rawBody: body, headers });
    expect(first.body).toMatchObject({ code: 'IDEMPOTENCY_STORE_UNAVAILABLE' });
    await vi.waitFor(() => expect(sent).toEqual(['claim', 'release']), { timeout: 5_000 });
    expect((await receiver.receive({ rawBody: body, headers })).body).toEqual({ ok: true });
    expect(handler).toHaveBeenCalledTimes(1);
  });
});
