import { describe, expect, it } from 'vitest';
import type { FreshnessBegin, InboxFreshness } from '../freshness/types.js';
import { observe } from '../observe/observe.js';
import { createWebhookReceiver } from '../receiver/receiver.js';
import { createUncheckedDelivery, sampleData } from '../testing/index.js';
import { createMemoryFreshness } from './memory-freshness.js';
import { createMemoryInbox } from './memory-inbox.js';
import type { InboxJob } from './types.js';
import { createInboxWorker } from './worker.js';

const job = (id: string): InboxJob => ({
  id,
  attempt: 1,
  enqueuedAt: new Date(),
  delivery: { deliveryId: id, event: 'score.changed', body: '', receivedAt: 0, secretIndex: 0, trace: {} },
});

describe('the memory inbox’s watermarks', () => {
  it('hold a key for one job at a time; the next one checks the watermark again once it is free', async () => {
    const freshness = createMemoryFreshness({ retentionMs: () => 60_000, maxEntries: 10 });
    const newer = job('newer');
    const older = job('older');
    expect(await freshness.begin(newer, { key: 'k', timestampMs: 2_000 })).toEqual({
      status: 'fresh',
      watermarkMs: undefined,
    });
    let second: FreshnessBegin | undefined;
    const waiting = freshness.begin(older, { key: 'k', timestampMs: 1_000 }).then((began) => {
      second = began;
    });
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(second).toBeUndefined(); // held by the newer one
    expect(await freshness.advance(newer, { key: 'k', timestampMs: 2_000 })).toBe(true);
    await waiting;
    expect(second).toEqual({ status: 'stale', watermarkMs: 2_000 });
  });

  it('keep at most maxEntries keys, forgetting the one advanced longest ago', async () => {
    const freshness = createMemoryFreshness({ retentionMs: () => 60_000, maxEntries: 2 });
    for (const key of ['a', 'b', 'c']) {
      const held = job(key);
      await freshness.begin(held, { key, timestampMs: 5_000 });
      await freshness.advance(held, { key, timestampMs: 5_000 });
    }
    const late = (key: string) => freshness.begin(job(`${key}-late`), { key, timestampMs: 1_000 });
    expect(await late('c')).toEqual({ status: 'stale', watermarkMs: 5_000 });
    expect(await late('a')).toEqual({ status: 'fresh', watermarkMs: undefined });
  });
});

describe('the worker and an engine that answers busy', () => {
  it('retries the job after the engine’s wait, without running a handler, then runs it', async () => {
    const memory = createMemoryInbox();
    let busy = true;
    const freshness: InboxFreshness = {
      async begin(): Promise<FreshnessBegin> {
        if (!busy) return { status: 'fresh', watermarkMs: undefined };
        busy = false;
        return { status: 'busy', retryAfterMs: 20 };
      },
      advance: async () => true,
    };
    const inbox = { ...memory, freshness };
    const webhooks = createWebhookReceiver({
      secret: 'whsec_busy',
      inbox,
      logger: { warn() {}, error() {} },
      freshness: { 'score.changed': (event) => event.data.agentId },
    });
    const attempts: number[] = [];
    webhooks.on('score.changed', (_event, ctx) => void attempts.push(ctx.attempt));
    const finished: string[] = [];
    observe(webhooks, {
      attemptFinished: ({ outcome, error }) => void finished.push(`${outcome} ${error?.code ?? ''}`),
    });
    const signed = createUncheckedDelivery('score.changed', sampleData('score.changed'), { secret: 'whsec_busy' });
    await webhooks.receive({ rawBody: signed.body, headers: signed.headers, method: 'POST' });
    const worker = createInboxWorker(webhooks, { retry: { attempts: 3, baseMs: 5_000 } });
    await worker.start();
    for (let i = 0; i < 100 && attempts.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    // Retried after the engine's 20 ms, not the 5 s backoff.
    expect(attempts).toEqual([2]);
    expect(finished).toEqual(['retrying FRESHNESS_KEY_BUSY', 'succeeded ']);
  });
});
