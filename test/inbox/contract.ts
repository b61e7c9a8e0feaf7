import {
  createInboxWorker,
  createWebhookReceiver,
  type Inbox,
  type InboxWorker,
  type OrderBy,
  observe,
  type WebhookContext,
  type WebhookReceiver,
} from '@armalo-webhooks/core';
import { createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';

export const SECRET = 'whsec_inbox_contract';

/** A fresh inbox (its own queue) for one test, and how to drop it afterwards. */
export interface InboxUnderTest {
  inbox: Inbox;
  /** Closes the inbox and removes what the test stored. */
  cleanup(): Promise<void>;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it holds (or throws its last failure after `timeoutMs`). */
export async function waitFor(
  check: () => unknown | Promise<unknown>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await check()) return;
    } catch (error) {
      if (Date.now() > end) throw error;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

interface Call {
  event: string;
  attempt: number;
  deliveryId: string | undefined;
  enqueuedAt: Date | undefined;
  at: number;
}

function signed(event: string, data: unknown, timestamp = new Date()) {
  const delivery = createUncheckedDelivery(event, data, { secret: SECRET, timestamp });
  return { rawBody: delivery.body, headers: delivery.headers, method: 'POST' };
}

/** What `setup` may be asked for: an inbox with per-key ordering. */
export interface InboxSetupOptions {
  orderBy?: OrderBy;
}

/**
 * What every inbox must do, through the public API a user has: a receiver with the inbox, and
 * `createInboxWorker`. Each test gets its own queue from `setup`. With `ordering`, the engine also
 * passes the per-key ordering rows (`orderBy`, blocked keys, skip).
 */
export function describeInboxContract(
  name: string,
  setup: (options?: InboxSetupOptions) => Promise<InboxUnderTest>,
  { ordering = false }: { ordering?: boolean } = {},
): void {
  if (ordering) describeOrderingContract(name, setup);
  describe(`${name} passes the inbox contract`, () => {
    let target: InboxUnderTest;
    let inbox: Inbox;
    let webhooks: WebhookReceiver;
    let calls: Call[];
    let behaviour: (ctx: WebhookContext) => unknown;
    const workers: InboxWorker[] = [];

    function record(event: { event: string }, ctx: WebhookContext): unknown {
      calls.push({
        event: event.event,
        attempt: ctx.attempt,
        deliveryId: ctx.deliveryId,
        enqueuedAt: ctx.enqueuedAt,
        at: Date.now(),
      });
      return behaviour(ctx);
    }

    async function startWorker(
      receiver: object = webhooks,
      retry: { attempts?: number; baseMs?: number; maxMs?: number } = { attempts: 3, baseMs: 100, maxMs: 400 },
      stopTimeoutMs = 5_000,
    ): Promise<InboxWorker> {
      const worker = createInboxWorker(receiver, { concurrency: 4, retry, stopTimeoutMs });
      workers.push(worker);
      await worker.start();
      return worker;
    }

    /** Stores `delivery` in `engine` and runs it with a worker of a receiver of its own; the events it ran. */
    async function runOneOn(engine: Inbox, delivery: ReturnType<typeof signed>): Promise<string[]> {
      const receiver = createWebhookReceiver({ secret: SECRET, inbox: engine, logger: { warn() {}, error() {} } });
      const ran: string[] = [];
      receiver.onAny((event) => void ran.push(event.event));
      expect((await receiver.receive(delivery)).body).toEqual({ ok: true, queued: true });
      const worker = createInboxWorker(receiver, { concurrency: 1 });
      await worker.start();
      try {
        await waitFor(() => ran.length === 1, 10_000, 'the delivery to run');
      } finally {
        await worker.stop();
      }
      return ran;
    }

    beforeEach(async () => {
      target = await setup();
      inbox = target.inbox;
      calls = [];
      behaviour = () => {};
      webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn() {}, error() {} } });
      webhooks.onAny(record);
    });

    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await target.cleanup();
    });

    it('stores a delivery, answers queued once stored, then runs its handlers in the worker with attempt, deliveryId and enqueuedAt', async () => {
      const delivery = signed('score.changed', sampleData('score.changed'));
      const result = await webhooks.receive(delivery);
      expect(result.body).toEqual({ ok: true, queued: true });
      expect(calls).toEqual([]);
      expect((await inbox.list({ state: 'waiting' })).map((entry) => entry.deliveryId)).toEqual([
        result.meta.idempotencyKey,
      ]);
      await waitFor(async () => (await inbox.stats()).waiting === 1, 10_000, 'stats to count it waiting');

      let seen: { data: unknown; rawBody: string } | undefined;
      webhooks.on('score.changed', (event, ctx) => {
        seen = { data: event.data, rawBody: Buffer.from(ctx.rawBody).toString('utf8') };
      });
      await startWorker();
      await waitFor(async () => (await inbox.stats()).completed === 1, 10_000, 'completion');
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({ event: 'score.changed', attempt: 1, deliveryId: result.meta.idempotencyKey });
      expect(calls[0]?.enqueuedAt).toBeInstanceOf(Date);
      expect(seen?.rawBody).toBe(delivery.rawBody);
      expect(seen?.data).toEqual(sampleData('score.changed'));
    });

    it('answers duplicate for a re-send, sequential or concurrent, and processes it once', async () => {
      const first = signed('escrow.funded', { escrowId: 'e_seq' });
      expect((await webhooks.receive(first)).body).toEqual({ ok: true, queued: true });
      expect((await webhooks.receive(first)).body).toEqual({ ok: true, duplicate: true });

      const second = signed('escrow.funded', { escrowId: 'e_concurrent' });
      const answers = await Promise.all(Array.from({ length: 8 }, () => webhooks.receive(second)));
      const bodies = answers.map((answer) => JSON.stringify(answer.body)).sort();
      expect(bodies.filter((body) => body.includes('queued'))).toHaveLength(1);
      expect(bodies.filter((body) => body.includes('duplicate'))).toHaveLength(7);

      await startWorker();
      await waitFor(async () => (await inbox.list({ state: 'completed' })).length === 2, 10_000, 'two completions');
      // Nothing else was stored: a third job would be listed, waiting, running or completed, by now.
      // (list() reads the engine live; pg-boss serves stats() from counts it refreshes periodically.)
      expect((await inbox.list()).map((entry) => entry.state)).toEqual(['completed', 'completed']);
      expect(calls).toHaveLength(2);
    });

    it('retries a failing delivery with backoff, then succeeds', async () => {
      behaviour = (ctx) => {
        if (ctx.attempt < 3) throw new Error(`transient failure on attempt ${ctx.attempt}`);
      };
      await webhooks.receive(signed('eval.failed', { n: 1 }));
      await startWorker(webhooks, { attempts: 4, baseMs: 200, maxMs: 1000 });
      await waitFor(async () => (await inbox.stats()).completed === 1, 15_000, 'completion after retries');
      expect(calls.map((call) => call.attempt)).toEqual([1, 2, 3]);
      // Equal jitter: the wait before try n+1 is at least half of baseMs * 2^(n-1).
      expect(calls[1]!.at - calls[0]!.at).toBeGreaterThanOrEqual(100 - 5);
      expect(calls[2]!.at - calls[1]!.at).toBeGreaterThanOrEqual(200 - 5);
      const [entry] = await inbox.list({ state: 'completed' });
      expect(entry?.deliveryId).toBe(calls[0]?.deliveryId);
    });

    it('dead-letters after the last attempt, keeping the last error: code, message and a trimmed stack', async () => {
      behaviour = (ctx) => {
        throw Object.assign(new Error(`downstream refused attempt ${ctx.attempt}`), { code: 'E_DOWNSTREAM' });
      };
      await webhooks.receive(signed('pact.violated', { pactId: 'p_dead' }));
      await startWorker(webhooks, { attempts: 2, baseMs: 50, maxMs: 100 });
      await waitFor(async () => (await inbox.stats()).dead === 1, 15_000, 'a dead letter');
      expect(calls.map((call) => call.attempt)).toEqual([1, 2]);
      const [dead] = await inbox.list({ state: 'dead' });
      expect(dead).toMatchObject({ event: 'pact.violated', state: 'dead', attempts: 2 });
      expect(dead?.lastError).toMatchObject({ code: 'E_DOWNSTREAM', message: 'downstream refused attempt 2' });
      expect(dead?.lastError?.stack?.split('\n').length).toBeLessThanOrEqual(10);
      expect(await inbox.get(dead!.id)).toMatchObject({ id: dead!.id, state: 'dead' });
      // Dead means done trying: no attempt is scheduled or running.
      expect((await inbox.list()).map((entry) => entry.state)).toEqual(['dead']);
      expect(calls).toHaveLength(2);
    });

    it('replays a completed delivery as a new attempt with the same delivery id; observers see it as a replay', async () => {
      const started: { attempt: number; replayOf: string | undefined }[] = [];
      observe(webhooks, { attemptStarted: ({ attempt, replayOf }) => void started.push({ attempt, replayOf }) });
      await webhooks.receive(signed('deal.accepted', { dealId: 'd_replay' }));
      await startWorker();
      await waitFor(async () => (await inbox.stats()).completed === 1, 10_000, 'completion');
      const [done] = await inbox.list({ state: 'completed' });
      const replayId = await inbox.replay(done!.id);
      expect(replayId).toBeTypeOf('string');
      expect(replayId).not.toBe(done!.id);
      await waitFor(() => calls.length === 2, 10_000, 'the replay to run');
      expect(calls[1]?.deliveryId).toBe(calls[0]?.deliveryId);
      expect(started).toEqual([
        { attempt: 1, replayOf: undefined },
        { attempt: 1, replayOf: done!.id },
      ]);
      expect(await inbox.replay('00000000-0000-4000-8000-000000000000')).toBeUndefined();
    });

    it('redrives dead letters (filtered by event) back to waiting with a fresh budget', async () => {
      let down = true;
      behaviour = () => {
        if (down) throw new Error('still down');
      };
      await webhooks.receive(signed('escrow.released', { escrowId: 'e_1' }));
      await webhooks.receive(signed('swarm.halted', { swarmId: 's_1' }));
      await startWorker(webhooks, { attempts: 1, baseMs: 50, maxMs: 50 });
      await waitFor(async () => (await inbox.stats()).dead === 2, 15_000, 'two dead letters');
      down = false;
      expect(await inbox.redrive({ event: 'swarm.halted' })).toBe(1);
      await waitFor(async () => (await inbox.stats()).completed === 1, 10_000, 'the redriven delivery');
      expect(calls.filter((call) => call.event === 'swarm.halted').map((call) => call.attempt)).toEqual([1, 1]);
      expect(await inbox.redrive()).toBe(1);
      await waitFor(async () => (await inbox.stats()).completed === 2, 10_000, 'both redriven');
      expect(await inbox.list({ state: 'dead' })).toEqual([]);
      await waitFor(async () => (await inbox.stats()).dead === 0, 10_000, 'stats to count no dead letter');
    });

    it('finds, replays and redrives a delivery by its job id or by its delivery id (the id log lines print)', async () => {
      behaviour = () => {
        throw new Error('down');
      };
      const answer = await webhooks.receive(signed('escrow.disputed', { escrowId: 'e_ids' }));
      const deliveryId = answer.meta.idempotencyKey as string;
      await startWorker(webhooks, { attempts: 1, baseMs: 50, maxMs: 50 });
      await waitFor(async () => (await inbox.get(deliveryId))?.state === 'dead', 15_000, 'a dead letter');
      const byDelivery = await inbox.get(deliveryId);
      expect(byDelivery).toMatchObject({ deliveryId, event: 'escrow.disputed', state: 'dead', attempts: 1 });
      expect(await inbox.get(byDelivery!.id)).toEqual(byDelivery);
      expect(await inbox.list({ state: 'dead', event: 'escrow.disputed' })).toEqual([byDelivery]);
      expect(await inbox.list({ state: 'dead', event: 'eval.failed' })).toEqual([]);
      expect(await inbox.list({ since: new Date(Date.now() + 60_000) })).toEqual([]);
      expect(await inbox.get('no-such-delivery')).toBeUndefined();
      behaviour = () => {};
      expect(await inbox.redrive({ ids: ['unknown'] })).toBe(0);
      expect(await inbox.redrive({ ids: [deliveryId] })).toBe(1);
      await waitFor(() => calls.length === 2, 10_000, 'the redriven delivery to run');
      const replayed = await inbox.replay(deliveryId);
      expect(replayed).toBeTypeOf('string');
      await waitFor(() => calls.length === 3, 10_000, 'the replay to run');
      expect(new Set(calls.map((call) => call.deliveryId))).toEqual(new Set([deliveryId]));
    });

    it('counts deliveries by state, live or as of the time the engine says it counted', async () => {
      behaviour = (ctx) => {
        if (ctx.attempt === 1) throw new Error('first try fails');
      };
      await webhooks.receive(signed('deal.accepted', { dealId: 'd_count_1' }));
      await webhooks.receive(signed('deal.accepted', { dealId: 'd_count_2' }));
      await startWorker(webhooks, { attempts: 3, baseMs: 50, maxMs: 50 });
      await waitFor(() => calls.length === 4, 10_000, 'both deliveries to run twice');
      await waitFor(
        async () => {
          const stats = await inbox.stats();
          return stats.completed === 2 && stats.waiting + stats.active + stats.delayed + stats.dead === 0;
        },
        10_000,
        'stats to count two completed deliveries',
      );
      const stats = await inbox.stats();
      if (stats.asOf !== undefined) expect(stats.asOf.getTime()).toBeLessThanOrEqual(Date.now());
    });

    it('stop() takes nothing new and waits for the deliveries in hand', async () => {
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      let finished = 0;
      behaviour = async () => {
        await held;
        finished++;
      };
      await webhooks.receive(signed('eval.completed', sampleData('eval.completed')));
      const worker = await startWorker();
      await waitFor(() => calls.length === 1, 10_000, 'the handler to start');
      let finishedWhenStopped: number | undefined;
      const stopping = worker.stop().then(() => {
        finishedWhenStopped = finished;
      });
      // Meanwhile a worker of the same engine, on a queue of its own, stores and runs a delivery:
      // a stop that did not wait for the delivery in hand would have returned by then.
      const elsewhere = await setup();
      try {
        expect(await runOneOn(elsewhere.inbox, signed('eval.failed', { where: 'elsewhere' }))).toEqual(['eval.failed']);
      } finally {
        await elsewhere.cleanup();
      }
      expect(finishedWhenStopped).toBeUndefined();
      release();
      await stopping;
      expect(finishedWhenStopped).toBe(1);
      // Stopped, it takes nothing new: a delivery stored now is run by another worker, not by it.
      expect(await runOneOn(inbox, signed('eval.failed', { after: 'stop' }))).toEqual(['eval.failed']);
      expect(calls).toHaveLength(1);
    });

    describe('with the freshness guard (receiver option freshness)', () => {
      let guarded: WebhookReceiver;
      let seen: { n: number; freshness: WebhookContext['freshness']; attempt: number }[];
      let guardedBehaviour: (n: number, ctx: WebhookContext) => unknown;
      const base = Date.now() - 60_000;
      const at = (seconds: number) => new Date(base + seconds * 1000);
      const score = (agentId: string, n: number, seconds: number) =>
        signed('score.changed', { ...sampleData('score.changed'), agentId, n }, at(seconds));

      beforeEach(() => {
        seen = [];
        guardedBehaviour = () => {};
        guarded = createWebhookReceiver({
          secret: SECRET,
          inbox,
          logger: { warn() {}, error() {} },
          // Two event names, one key: one watermark for both.
          freshness: {
            'score.changed': (event) => `agent:${event.data.agentId}`,
            'agent.score.changed': (event) => `agent:${(event.data as { agentId: string }).agentId}`,
          },
        });
        guarded.onAny((event, ctx) => {
          seen.push({ n: (event.data as { n: number }).n, freshness: ctx.freshness, attempt: ctx.attempt });
          return guardedBehaviour((event.data as { n: number }).n, ctx);
        });
      });

      it('settles an older delivery as stale without running a handler (list, get, stats, observers); an equal timestamp is not stale', async () => {
        const finished: string[] = [];
        observe(guarded, { attemptFinished: ({ outcome }) => void finished.push(outcome) });
        await startWorker(guarded);
        await guarded.receive(score('a1', 1, 20));
        await waitFor(() => seen.length === 1, 10_000, 'the newest delivery to run');
        const older = await guarded.receive(score('a1', 2, 10));
        const sameTime = await guarded.receive(score('a1', 3, 20));
        await waitFor(() => seen.length === 2, 10_000, 'the equal-timestamp delivery to run');
        await waitFor(
          async () => (await inbox.get(older.meta.idempotencyKey as string))?.state === 'stale',
          10_000,
          'stale',
        );
        expect(seen.map((call) => call.n)).toEqual([1, 3]);
        expect(seen[0]?.freshness).toEqual({ key: 'agent:a1', watermark: undefined, advances: true });
        expect(seen[1]?.freshness).toEqual({ key: 'agent:a1', watermark: at(20), advances: false });
        // The handler has run; its job completes just after.
        await waitFor(
          async () => (await inbox.get(sameTime.meta.idempotencyKey as string))?.state === 'completed',
          10_000,
          'the equal-timestamp delivery to complete',
        );
        const stale = await inbox.list({ state: 'stale' });
        expect(stale.map((entry) => entry.deliveryId)).toEqual([older.meta.idempotencyKey]);
        expect(stale[0]).toMatchObject({ state: 'stale', attempts: 1, event: 'score.changed' });
        expect((await inbox.list({ state: 'completed' })).map((entry) => entry.state)).toEqual([
          'completed',
          'completed',
        ]);
        await waitFor(async () => (await inbox.stats()).stale === 1, 10_000, 'stats to count one stale delivery');
        await waitFor(() => finished.length === 3, 10_000, 'three attempts observed');
        expect([...finished].sort()).toEqual(['stale', 'succeeded', 'succeeded']);
        // Another event name with the same key shares the watermark.
        const otherName = await guarded.receive(
          signed('agent.score.changed', { ...sampleData('score.changed'), agentId: 'a1', n: 4 }, at(15)),
        );
        await waitFor(
          async () => (await inbox.get(otherName.meta.idempotencyKey as string))?.state === 'stale',
          10_000,
          'stale',
        );
        expect(seen.map((call) => call.n)).toEqual([1, 3]);
      });

      it('advances the watermark only after the handlers succeeded: a failed newer delivery leaves an older one fresh', async () => {
        guardedBehaviour = (n) => {
          if (n === 1) throw new Error('the newer one fails');
        };
        await startWorker(guarded, { attempts: 1, baseMs: 50, maxMs: 50 });
        const newer = await guarded.receive(score('a2', 1, 30));
        await waitFor(
          async () => (await inbox.get(newer.meta.idempotencyKey as string))?.state === 'dead',
          10_000,
          'dead',
        );
        const older = await guarded.receive(score('a2', 2, 10));
        await waitFor(
          async () => (await inbox.get(older.meta.idempotencyKey as string))?.state === 'completed',
          10_000,
          'run',
        );
        expect(seen.map((call) => [call.n, call.freshness?.watermark])).toEqual([
          [1, undefined],
          [2, undefined],
        ]);
        // Redriven, the newer one runs (it is newer than the older one's watermark) and raises it.
        guardedBehaviour = () => {};
        expect(await inbox.redrive()).toBe(1);
        await waitFor(() => seen.length === 3, 10_000, 'the redriven delivery');
        expect(seen[2]?.freshness).toEqual({ key: 'agent:a2', watermark: at(10), advances: true });
        const oldest = await guarded.receive(score('a2', 3, 20));
        await waitFor(
          async () => (await inbox.get(oldest.meta.idempotencyKey as string))?.state === 'stale',
          10_000,
          'stale',
        );
      });

      it('runs one delivery of a key at a time, so an older one never writes last', async () => {
        let running = 0;
        let most = 0;
        let state: number | undefined;
        guardedBehaviour = async (n, ctx) => {
          running++;
          most = Math.max(most, running);
          await sleep(40);
          if (ctx.freshness?.advances) state = n;
          running--;
        };
        await startWorker(guarded);
        const sent = [3, 1, 4, 2, 5, 6];
        for (const n of sent) await guarded.receive(score('a3', n, n));
        await waitFor(
          async () => {
            const stats = await inbox.stats();
            return stats.completed + stats.stale === sent.length;
          },
          15_000,
          'every delivery settled',
        );
        expect(most).toBe(1);
        expect(state).toBe(6);
        // Each handler saw a watermark no newer than its own timestamp.
        for (const call of seen) {
          const watermark = call.freshness?.watermark?.getTime();
          if (watermark !== undefined) expect(watermark).toBeLessThanOrEqual(at(call.n).getTime());
        }
      });
    });

    it('dead-letters at once, with the issues, a delivery whose data no longer validates against the current schemas', async () => {
      await webhooks.receive(signed('pact.violated', { reason: 'no pactId' }));
      // The worker's deployment has a stricter schema than the web process had.
      const strict = createWebhookReceiver({
        secret: SECRET,
        inbox,
        schemas: { 'pact.violated': z.looseObject({ pactId: z.string() }) },
        logger: { warn() {}, error() {} },
      });
      strict.onAny(record);
      await startWorker(strict, { attempts: 5, baseMs: 50, maxMs: 50 });
      await waitFor(async () => (await inbox.stats()).dead === 1, 10_000, 'a dead letter');
      const [dead] = await inbox.list({ state: 'dead', event: 'pact.violated' });
      expect(dead?.attempts).toBe(1);
      expect(dead?.lastError?.code).toBe('INVALID_EVENT_DATA');
      expect(dead?.lastError?.issues?.[0]?.path).toBe('pactId');
      expect(calls).toEqual([]);
    });
  });
}

/** Escrow events are ordered per escrow; everything else is unordered. */
const byEscrow: OrderBy = (event) =>
  event.event.startsWith('escrow.') ? `escrow:${String(event.data.escrowId)}` : undefined;

interface Run {
  key: string | undefined;
  seq: number;
  attempt: number;
  start: number;
  end: number;
}

function describeOrderingContract(name: string, setup: (options?: InboxSetupOptions) => Promise<InboxUnderTest>): void {
  describe(`${name} passes the per-key ordering rows of the inbox contract`, () => {
    let target: InboxUnderTest;
    let inbox: Inbox;
    let webhooks: WebhookReceiver;
    let runs: Run[];
    /** Delivery id → its key and its place among the key's deliveries, in stored order. */
    let stored: Map<string, { key: string | undefined; seq: number }>;
    let behaviour: (run: Run) => unknown;
    const workers: InboxWorker[] = [];

    beforeEach(async () => {
      target = await setup({ orderBy: byEscrow });
      inbox = target.inbox;
      runs = [];
      stored = new Map();
      behaviour = () => sleep(15);
      webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn() {}, error() {} } });
      webhooks.onAny(async (_event, ctx) => {
        const where = stored.get(ctx.deliveryId as string);
        const run: Run = { key: where?.key, seq: where?.seq ?? -1, attempt: ctx.attempt, start: Date.now(), end: 0 };
        runs.push(run);
        try {
          await behaviour(run);
        } finally {
          run.end = Date.now();
        }
      });
    });

    afterEach(async () => {
      await Promise.all(workers.splice(0).map((worker) => worker.stop()));
      await target.cleanup();
    });

    /** Stores deliveries one at a time (so stored order is the order of this list); `undefined` = unordered. */
    async function store(escrows: (string | undefined)[]): Promise<string[]> {
      const counts = new Map<string | undefined, number>();
      const ids: string[] = [];
      for (const [i, escrowId] of escrows.entries()) {
        const key = escrowId === undefined ? undefined : `escrow:${escrowId}`;
        const seq = counts.get(key) ?? 0;
        counts.set(key, seq + 1);
        const delivery =
          escrowId === undefined
            ? signed('eval.completed', sampleData('eval.completed'))
            : signed('escrow.funded', { escrowId, n: i });
        const answer = await webhooks.receive(delivery);
        expect(answer.body).toEqual({ ok: true, queued: true });
        const id = answer.meta.idempotencyKey as string;
        stored.set(id, { key, seq });
        ids.push(id);
      }
      return ids;
    }

    async function startWorker(retry = { attempts: 1, baseMs: 50, maxMs: 50 }): Promise<void> {
      const worker = createInboxWorker(webhooks, { concurrency: 4, retry, stopTimeoutMs: 5_000 });
      workers.push(worker);
      await worker.start();
    }

    const ofKey = (key: string) => runs.filter((run) => run.key === key);

    it('runs one delivery per key at a time, in stored order, and different keys in parallel', async () => {
      await store(['a', 'b', 'a', 'c', undefined, 'b', 'a', 'c', 'b', undefined, 'a', 'c']);
      await startWorker();
      await waitFor(() => runs.length === 12 && runs.every((run) => run.end > 0), 20_000, 'every delivery to run');
      for (const key of ['escrow:a', 'escrow:b', 'escrow:c']) {
        const mine = ofKey(key);
        expect(mine.map((run) => run.seq)).toEqual([...mine.keys()]);
        // One at a time: each starts after the one before it ended.
        for (let i = 1; i < mine.length; i++) expect(mine[i]!.start).toBeGreaterThanOrEqual(mine[i - 1]!.end);
      }
      // Keys did run side by side: some two runs overlapped.
      const overlapped = runs.some((one) =>
        runs.some((other) => other !== one && other.start < one.end && one.start < other.end),
      );
      expect(overlapped).toBe(true);
    });

    it('a retrying head holds its key until it succeeds; the key stays in order', async () => {
      behaviour = async (run) => {
        if (run.key === 'escrow:r' && run.seq === 0 && run.attempt === 1) throw new Error('first try fails');
        await sleep(5);
      };
      await store(['r', 'r', 'q', 'r']);
      await startWorker({ attempts: 3, baseMs: 300, maxMs: 300 });
      await waitFor(() => ofKey('escrow:r').length === 4, 20_000, 'the key to finish');
      expect(ofKey('escrow:r').map((run) => [run.seq, run.attempt])).toEqual([
        [0, 1],
        [0, 2],
        [1, 1],
        [2, 1],
      ]);
      // The other key did not wait for the retry's backoff.
      expect(ofKey('escrow:q')[0]!.start).toBeLessThan(ofKey('escrow:r')[1]!.start);
    });

    it('a dead head blocks its own key only: blocked() and stats() name it, and skip() lets the key move on', async () => {
      behaviour = (run) => {
        if (run.key === 'escrow:x' && run.seq === 0) throw new Error('escrow x is broken');
      };
      const ids = await store(['x', 'y', 'x', undefined, 'y', 'x']);
      await startWorker();
      await waitFor(() => ofKey('escrow:y').length === 2 && runs.length === 4, 20_000, 'the other keys to finish');
      await waitFor(async () => (await inbox.blocked!()).length === 1, 10_000, 'the key to be blocked');
      const [blocked] = await inbox.blocked!();
      expect(blocked).toMatchObject({ key: 'escrow:x', waiting: 2, head: { deliveryId: ids[0], state: 'dead' } });
      expect(blocked?.head.lastError?.message).toBe('escrow x is broken');
      expect((await inbox.stats()).blocked).toEqual({ count: 1, keys: ['escrow:x'] });
      await sleep(300);
      expect(ofKey('escrow:x').map((run) => run.seq)).toEqual([0]);

      const skipped = await inbox.skip!(blocked!.head.id);
      expect(skipped).toMatchObject({ deliveryId: ids[0], state: 'skipped' });
      await waitFor(() => ofKey('escrow:x').length === 3, 20_000, 'the key to move on');
      expect(ofKey('escrow:x').map((run) => run.seq)).toEqual([0, 1, 2]);
      expect(await inbox.blocked!()).toEqual([]);
      expect((await inbox.stats()).blocked).toEqual({ count: 0, keys: [] });
      expect(await inbox.get(ids[0]!)).toMatchObject({
        state: 'skipped',
        lastError: { message: 'escrow x is broken' },
      });
      expect((await inbox.list({ state: 'skipped' })).map((entry) => entry.deliveryId)).toEqual([ids[0]]);
      expect(await inbox.list({ state: 'dead' })).toEqual([]);
      await expect(inbox.skip!(ids[0]!)).rejects.toThrow('skipped');
      expect(await inbox.skip!('no-such-delivery')).toBeUndefined();
    });

    it('skip also settles a waiting delivery without running it; the rest of its key runs in order', async () => {
      const ids = await store(['s', 's', 's']);
      expect(await inbox.skip!(ids[1]!)).toMatchObject({ deliveryId: ids[1], state: 'skipped' });
      await startWorker();
      await waitFor(() => ofKey('escrow:s').length === 2 && runs.every((run) => run.end > 0), 20_000, 'the key');
      await sleep(200);
      expect(ofKey('escrow:s').map((run) => run.seq)).toEqual([0, 2]);
      expect((await inbox.list({ state: 'skipped' })).map((entry) => entry.deliveryId)).toEqual([ids[1]]);
      await expect(inbox.skip!(ids[0]!)).rejects.toThrow('completed');
    });

    it('redrive brings a dead head back first, with a fresh budget, and the key follows in order', async () => {
      let down = true;
      behaviour = (run) => {
        if (down && ((run.key === 'escrow:z' && run.seq === 0) || run.key === undefined)) throw new Error('down');
      };
      const ids = await store(['z', undefined, 'z', 'z']);
      await startWorker({ attempts: 2, baseMs: 50, maxMs: 50 });
      await waitFor(async () => (await inbox.blocked!()).length === 1, 20_000, 'the key to be blocked');
      // An unordered dead letter blocks nothing.
      await waitFor(async () => (await inbox.list({ state: 'dead' })).length === 2, 20_000, 'two dead letters');
      expect((await inbox.blocked!()).map((blocked) => blocked.key)).toEqual(['escrow:z']);
      expect(ofKey('escrow:z').map((run) => [run.seq, run.attempt])).toEqual([
        [0, 1],
        [0, 2],
      ]);
      down = false;
      expect(await inbox.redrive({ ids: [ids[0]!] })).toBe(1);
      await waitFor(() => ofKey('escrow:z').length === 5, 20_000, 'the key to finish');
      expect(ofKey('escrow:z').map((run) => [run.seq, run.attempt])).toEqual([
        [0, 1],
        [0, 2],
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
      expect(await inbox.get(ids[0]!)).toMatchObject({ state: 'completed', attempts: 1 });
      expect(await inbox.blocked!()).toEqual([]);
      // The unordered one is redriven too, with the rest.
      expect(await inbox.redrive()).toBe(1);
      await waitFor(() => runs.filter((run) => run.key === undefined).length === 3, 20_000, 'the unordered one to run');
      expect(runs.filter((run) => run.key === undefined).map((run) => run.attempt)).toEqual([1, 2, 1]);
      await waitFor(async () => (await inbox.get(ids[1]!))?.state === 'completed', 10_000, 'it to complete');
      expect(await inbox.list({ state: 'dead' })).toEqual([]);
    });
  });
}
