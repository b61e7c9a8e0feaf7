import { type Claim, createMemoryStore, type IdempotencyStore, type MemoryStore } from '@armalo-webhooks/core';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { assertNoLeaks, delivery, expectTableAnswer, post, probeReceiver, sleep } from './harness.js';
import { nodeTarget } from './targets.js';

afterAll(() => assertNoLeaks());
afterEach(() => {
  vi.useRealTimers();
});

type Op = 'claim' | 'complete' | 'release';
type Fault = 'reject' | 'throw' | 'hang' | 'garbage' | { lateMs: number };

/** A memory store with faults injected per operation, recording every call. */
function faultyStore(inner: MemoryStore = createMemoryStore()) {
  const faults: Partial<Record<Op, Fault>> = {};
  const calls: { op: Op; key: string; token?: string; settled?: string }[] = [];
  const apply = <T>(op: Op, key: string, run: () => T | Promise<T>, token?: string): T | Promise<T> => {
    const entry: { op: Op; key: string; token?: string; settled?: string } = { op, key };
    if (token !== undefined) entry.token = token;
    calls.push(entry);
    const fault = faults[op];
    if (fault === 'throw') throw new Error(`${op}: connect ECONNREFUSED 127.0.0.1:6379`);
    if (fault === 'reject') return Promise.reject(new Error(`${op}: connect ECONNREFUSED 127.0.0.1:6379`));
    if (fault === 'hang') return new Promise<T>(() => {});
    if (fault === 'garbage') return Promise.resolve({ status: 'maybe' } as T);
    if (typeof fault === 'object') {
      return sleep(fault.lateMs).then(async () => {
        const value = await run();
        entry.settled = JSON.stringify(value ?? null);
        return value;
      });
    }
    return run();
  };
  const store: IdempotencyStore = {
    claim: (key, leaseMs) => apply<Claim>('claim', key, () => inner.claim(key, leaseMs)),
    complete: (key, token, retainMs) => apply('complete', key, () => inner.complete(key, token, retainMs), token),
    release: (key, token) => apply('release', key, () => inner.release(key, token), token),
  };
  return { store, inner, faults, calls };
}

const receiveOnce = async (probe: ReturnType<typeof probeReceiver>, d: ReturnType<typeof delivery>) => {
  const result = await probe.receiver.receive({ rawBody: d.body, headers: d.headers, method: 'POST' });
  expectTableAnswer(result);
  return result;
};

describe('a handler that throws', () => {
  it('answers 500, releases the key, and the retry is processed exactly once', async () => {
    const inner = createMemoryStore();
    let failures = 1;
    const probe = probeReceiver({ idempotency: { store: inner } }, () => {
      if (failures-- > 0) throw new Error('db write failed');
    });
    const d = delivery();
    const first = await receiveOnce(probe, d);
    expect(first.status).toBe(500);
    expect((first.body as { code: string }).code).toBe('HANDLER_FAILED');
    expect(inner.size).toBe(0);
    expect(probe.lines.some((line) => line.startsWith('onError HANDLER_FAILED 500'))).toBe(true);
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true, duplicate: true });
    expect(probe.calls).toEqual(['pact.violated', 'pact.violated']);
    expect(inner.size).toBe(1);
  });

  it('over HTTP, with concurrent duplicates while it runs: one attempt at a time, processed once in the end', async () => {
    let attempt = 0;
    const probe = probeReceiver({}, async () => {
      attempt++;
      await sleep(100);
      if (attempt === 1) throw new Error('transient failure');
    });
    const server = await nodeTarget.mount(probe.receiver);
    try {
      const d = delivery();
      // Waves of 8 concurrent copies, as a sender's retries could arrive, until one is processed.
      const seen: number[] = [];
      let processed = 0;
      for (let wave = 0; wave < 5 && processed === 0; wave++) {
        const answers = await Promise.all(Array.from({ length: 8 }, () => post(server.url, d.body, d.headers)));
        for (const a of answers) {
          seen.push(a.status);
          if (a.status === 409) expect(Number(a.headers['retry-after'])).toBeGreaterThan(0);
          if (a.status === 200 && !(a.body as { duplicate?: boolean }).duplicate) processed++;
        }
      }
      // Exactly one failure (the first attempt) and exactly one processing; everything else was
      // held off with 409 or acknowledged as a duplicate.
      expect(seen.filter((s) => s === 500)).toEqual([500]);
      expect(processed).toBe(1);
      expect(seen.every((s) => s === 500 || s === 409 || s === 200)).toBe(true);
      const after = await Promise.all(Array.from({ length: 4 }, () => post(server.url, d.body, d.headers)));
      expect(after.map((a) => a.body)).toEqual(Array(4).fill({ ok: true, duplicate: true }));
      expect(probe.calls).toEqual(['pact.violated', 'pact.violated']);
    } finally {
      await server.close();
    }
  });

  it('an onError hook that throws changes nothing: still 500, key released, logged', async () => {
    const inner = createMemoryStore();
    const probe = probeReceiver({ idempotency: { store: inner }, withOnError: false }, () => {
      throw new Error('boom');
    });
    const lines: string[] = [];
    const receiver = probe.receiver;
    const withThrowingHook = probeReceiver({
      idempotency: { store: inner },
      onError: () => {
        throw new Error('hook broken');
      },
      logger: { warn: (m) => lines.push(m), error: (m) => lines.push(m) },
    });
    withThrowingHook.receiver.onAny(() => {
      throw new Error('boom');
    });
    const d = delivery();
    expect((await receiveOnce(withThrowingHook, d)).status).toBe(500);
    expect(lines).toContain('armalo-webhooks: onError threw');
    expect(inner.size).toBe(0);
    expect((await receiver.receive({ rawBody: d.body, headers: d.headers })).status).toBe(500);
  });
});

describe('an idempotency store that fails (fail-closed)', () => {
  it.each(['reject', 'throw', 'garbage'] as const)(
    'claim %s: 503 with Retry-After, nothing runs; the retry after recovery runs once',
    async (fault) => {
      const faulty = faultyStore();
      faulty.faults.claim = fault;
      const probe = probeReceiver({ idempotency: { store: faulty.store } });
      const d = delivery();
      const down = await receiveOnce(probe, d);
      expect(down.status).toBe(503);
      expect((down.body as { code: string }).code).toBe('IDEMPOTENCY_STORE_UNAVAILABLE');
      expect(down.headers['retry-after']).toBe('5');
      expect(probe.calls).toEqual([]);
      expect(probe.lines.some((l) => l.startsWith('onError IDEMPOTENCY_STORE_UNAVAILABLE 503'))).toBe(true);
      delete faulty.faults.claim;
      expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
      expect((await receiveOnce(probe, d)).body).toEqual({ ok: true, duplicate: true });
      expect(probe.calls).toEqual(['pact.violated']);
    },
  );

  it('claim never answers: 503 after idempotency.timeoutMs, and the claim that arrives late is given back', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const faulty = faultyStore();
    faulty.faults.claim = { lateMs: 300 };
    const probe = probeReceiver({ idempotency: { store: faulty.store, timeoutMs: 100 } });
    const d = delivery();
    const answer = receiveOnce(probe, d);
    await vi.advanceTimersByTimeAsync(100);
    const slow = await answer;
    // Answered before the store did: the claim had not settled yet.
    expect(faulty.calls[0]?.settled).toBeUndefined();
    expect(slow.status).toBe(503);
    expect((slow.body as { code: string }).code).toBe('IDEMPOTENCY_STORE_UNAVAILABLE');
    expect(probe.lines.join('\n')).toContain('did not answer within 100 ms');
    await vi.advanceTimersByTimeAsync(200);
    await vi.waitFor(() => expect(faulty.calls.filter((c) => c.op === 'release')).toHaveLength(1));
    // The late claim came back "claimed" and the receiver released it: the key is free again.
    const claimed = JSON.parse(faulty.calls[0]?.settled ?? 'null') as Claim;
    expect(claimed.status).toBe('claimed');
    expect(faulty.calls.filter((c) => c.op === 'release')).toEqual([
      { op: 'release', key: faulty.calls[0]?.key, token: (claimed as { token: string }).token },
    ]);
    expect(faulty.inner.size).toBe(0);
    delete faulty.faults.claim;
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
    expect(probe.calls).toEqual(['pact.violated']);
  });

  it('claim hangs forever with the default options: 503 after the default 5 s, never a hung delivery', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const faulty = faultyStore();
    faulty.faults.claim = 'hang';
    const probe = probeReceiver({ idempotency: { store: faulty.store } });
    const d = delivery();
    let settled: Awaited<ReturnType<typeof receiveOnce>> | undefined;
    const pending = receiveOnce(probe, d).then((r) => {
      settled = r;
    });
    await vi.advanceTimersByTimeAsync(4_900);
    expect(settled).toBeUndefined();
    await vi.advanceTimersByTimeAsync(200);
    await pending;
    expect(settled?.status).toBe(503);
    expect(probe.calls).toEqual([]);
  });

  it('complete fails after the handler succeeded: 200 (the work is done), reported, and a retry is not run twice', async () => {
    const faulty = faultyStore();
    faulty.faults.complete = 'reject';
    const probe = probeReceiver({ idempotency: { store: faulty.store } });
    const d = delivery();
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
    expect(probe.lines.some((l) => l.startsWith('onError IDEMPOTENCY_STORE_UNAVAILABLE'))).toBe(true);
    // The key is still leased: a duplicate inside the lease is held off, never run again.
    const retry = await receiveOnce(probe, d);
    expect(retry.status).toBe(409);
    expect(probe.calls).toEqual(['pact.violated']);
  });

  it('complete hangs: 200 after idempotency.timeoutMs, not a hung answer', async () => {
    const faulty = faultyStore();
    faulty.faults.complete = 'hang';
    const probe = probeReceiver({ idempotency: { store: faulty.store, timeoutMs: 100 } });
    expect((await receiveOnce(probe, delivery())).body).toEqual({ ok: true });
    expect(probe.calls).toEqual(['pact.violated']);
  });

  it('release fails after a handler failure: 500; the retry waits for the lease, then runs once', async () => {
    let now = 0;
    const faulty = faultyStore(createMemoryStore({ now: () => now }));
    faulty.faults.release = 'reject';
    let failures = 1;
    const probe = probeReceiver({ idempotency: { store: faulty.store, leaseMs: 200 } }, () => {
      if (failures-- > 0) throw new Error('handler failed');
    });
    const d = delivery();
    expect((await receiveOnce(probe, d)).status).toBe(500);
    const early = await receiveOnce(probe, d);
    expect(early.status).toBe(409);
    expect(early.headers['retry-after']).toBe('1');
    now += 200; // the store's clock: the lease has run out
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true, duplicate: true });
    expect(probe.calls).toEqual(['pact.violated', 'pact.violated']);
  });

  it("onStoreError: 'fail-open' runs handlers without dedup (the documented trade-off)", async () => {
    const faulty = faultyStore();
    faulty.faults.claim = 'reject';
    const probe = probeReceiver({ idempotency: { store: faulty.store, onStoreError: 'fail-open' } });
    const d = delivery();
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
    expect(probe.calls).toEqual(['pact.violated', 'pact.violated']);
  });
});

describe('a handler that never finishes (an attempt whose process died), in one process', () => {
  it('after the lease expires the retry is processed; the stale attempt cannot clobber the new one', async () => {
    let now = 0;
    const inner = createMemoryStore({ now: () => now });
    let attempt = 0;
    let finishStale!: (outcome: 'ok' | 'fail') => void;
    const probe = probeReceiver({ idempotency: { store: inner, leaseMs: 150 } }, async () => {
      attempt++;
      if (attempt === 1) {
        const outcome = await new Promise<'ok' | 'fail'>((resolve) => {
          finishStale = resolve;
        });
        if (outcome === 'fail') throw new Error('stale attempt failed late');
      }
    });
    const d = delivery();
    const stale = receiveOnce(probe, d);
    await vi.waitFor(() => expect(attempt).toBe(1));
    expect((await receiveOnce(probe, d)).status).toBe(409);
    now += 150; // the store's clock: the first attempt's lease has run out
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true });
    // The stale attempt fails late: its release must not free the key the retry completed.
    finishStale('fail');
    expect((await stale).status).toBe(500);
    expect((await receiveOnce(probe, d)).body).toEqual({ ok: true, duplicate: true });
    expect(attempt).toBe(2);
  });
});
