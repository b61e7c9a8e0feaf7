import {
  type Claim,
  createMemoryInbox,
  createMemoryStore,
  createWebhookReceiver,
  type IdempotencyStore,
  observe,
  type WebhookReceiver,
  type WebhookReceiverOptions,
} from '@armalo-webhooks/core';
import { z } from 'zod';

export const SECRET = 'whsec_conformance_current';
export const PREVIOUS_SECRET = 'whsec_conformance_previous';
export const OTHER_SECRET = 'whsec_someone_else';
export const SMALL_LIMIT = 1024;

/**
 * How the receiver under test is configured. Each adapter mounts the fixture's receiver the way a
 * user would, so one table covers every adapter with the same expectations.
 */
export type Setup =
  | 'default'
  | 'rotation'
  | 'reject-unknown'
  | 'fail-first-call'
  | 'store-down'
  | 'store-busy'
  | 'small-limit'
  | 'short-body-timeout'
  | 'one-body-slot'
  | 'user-schema'
  | 'inbox'
  | 'inbox-down'
  | 'inbox-hung'
  | 'inbox-full'
  | 'freshness';

export interface Fixture {
  receiver: WebhookReceiver<Record<string, z.ZodType>>;
  /** Event names seen by handlers, in order; unknown events are prefixed with `unknown:`. */
  calls: string[];
  /** Everything the receiver logged or reported, to check no secret or signature leaks. */
  logs: string[];
  /**
   * What core's observer hook saw answered, in order: the code, or the outcome of a 200 (an unknown
   * event's read as `handled`, as a client reads it).
   */
  observed: string[];
}

const downStore: IdempotencyStore = {
  claim: () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:6379')),
  complete: () => Promise.reject(new Error('connect ECONNREFUSED')),
  release: () => Promise.reject(new Error('connect ECONNREFUSED')),
};

const busyStore: IdempotencyStore = {
  claim: async (): Promise<Claim> => ({ status: 'in-flight', retryAfterMs: 2500 }),
  complete: async () => {},
  release: async () => {},
};

/** Builds a fresh receiver for one case, recording handler calls and logs. */
export function createFixture(setup: Setup): Fixture {
  const calls: string[] = [];
  const logs: string[] = [];
  const observed: string[] = [];
  let failuresLeft = setup === 'fail-first-call' ? 1 : 0;
  const options: WebhookReceiverOptions<Record<string, z.ZodType>> = {
    secret: setup === 'rotation' ? [SECRET, PREVIOUS_SECRET] : SECRET,
    idempotency: { store: createMemoryStore() },
    logger: {
      warn: (message, meta) => logs.push(`warn ${message} ${JSON.stringify(meta ?? {})}`),
      error: (message, meta) => logs.push(`error ${message} ${JSON.stringify(meta ?? {})}`),
    },
    onError: (error) => {
      logs.push(`onError ${error.code} ${error.message}`);
    },
  };
  if (setup === 'reject-unknown') options.unknownEvents = 'reject';
  if (setup === 'store-down') options.idempotency = { store: downStore };
  if (setup === 'store-busy') options.idempotency = { store: busyStore };
  if (setup === 'small-limit') options.maxBodyBytes = SMALL_LIMIT;
  if (setup === 'short-body-timeout') options.bodyTimeoutMs = 100;
  if (setup === 'one-body-slot') Object.assign(options, { maxConcurrentBodies: 1, bodyTimeoutMs: 5_000 });
  if (setup === 'inbox') options.inbox = createMemoryInbox();
  if (setup === 'inbox-down') {
    const inbox = createMemoryInbox();
    inbox.enqueue = () => Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'));
    options.inbox = inbox;
  }
  if (setup === 'inbox-hung') {
    const inbox = createMemoryInbox();
    inbox.enqueue = () => new Promise(() => {});
    options.inbox = { engine: inbox, timeoutMs: 50 };
  }
  if (setup === 'inbox-full') {
    const inbox = createMemoryInbox();
    // One delivery already waiting (no worker runs in the table), so a backlog of 1 is full.
    void inbox.enqueue({
      deliveryId: 'waiting',
      event: 'eval.failed',
      body: '',
      receivedAt: 0,
      secretIndex: 0,
      trace: {},
    });
    options.inbox = { engine: inbox, maxBacklog: 1 };
  }
  if (setup === 'freshness') {
    // Both score events describe an agent's score: one watermark for the two names.
    // The fixture's `schemas` type widens every name's data to unknown.
    const agent = (event: { data: unknown }) => `agent-score:${String((event.data as { agentId: unknown }).agentId)}`;
    options.freshness = { 'score.changed': agent, 'agent.score.changed': agent };
  }
  if (setup === 'user-schema') {
    options.schemas = { 'pact.violated': z.looseObject({ pactId: z.string() }) };
  }
  const receiver = createWebhookReceiver(options);
  receiver.onAny(async (event) => {
    if (failuresLeft > 0) {
      failuresLeft--;
      calls.push(`failed:${event.event}`);
      throw new Error('handler failure injected by the conformance table');
    }
    calls.push(event.event);
  });
  receiver.onUnknown(async (event) => {
    calls.push(`unknown:${event.event}`);
  });
  // Every adapter reports through core's observer hook: the table checks it saw each answer.
  observe(receiver, {
    answered: (answer) => observed.push(answer.code ?? (answer.outcome === 'unknown' ? 'handled' : answer.outcome)),
  });
  return { receiver, calls, logs, observed };
}
