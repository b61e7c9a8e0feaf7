import { describe, expect, it, vi } from 'vitest';
import { handleExchange } from '../adapter/index.js';
import { delivery, receiverWith, SECRET, silentLogger } from '../fixtures/receiver.js';
import { type AnsweredObservation, observe, type StandardSchemaV1, type WebhookObserver } from '../index.js';
import { sampleData } from '../testing/index.js';

function recorder() {
  const seen: { answer: AnsweredObservation; fromReceived: unknown }[] = [];
  let next = 0;
  const observer: WebhookObserver = {
    received: () => ++next,
    answered: (answer, fromReceived) => seen.push({ answer, fromReceived }),
  };
  return { seen, observer };
}

describe('observers', () => {
  it('are told each exchange started and how it was answered, with what received returned', async () => {
    const { seen, observer } = recorder();
    const receiver = receiverWith({ observers: [observer] }).on('score.changed', () => {});
    const first = delivery('score.changed', sampleData('score.changed'));
    await receiver.receive({ ...first, method: 'POST' });
    await receiver.receive({ ...first, method: 'POST' });
    await receiver.receive({ ...delivery('score.changed', {}, { secret: 'whsec_other' }), method: 'POST' });
    expect(
      seen.map(({ answer, fromReceived }) => [
        fromReceived,
        answer.outcome,
        answer.code,
        answer.duplicate,
        answer.event,
      ]),
    ).toEqual([
      [1, 'handled', undefined, false, 'score.changed'],
      [2, 'duplicate', undefined, true, 'score.changed'],
      [3, 'refused', 'INVALID_SIGNATURE', false, undefined],
    ]);
    expect(seen[0]?.answer.secretIndex).toBe(0);
  });

  it('are told how long each stage took: reading the body, verifying it, running the handlers', async () => {
    // A scripted clock: each stage advances it by its own amount, so each share is exact.
    let clock = 1_000;
    vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const { seen, observer } = recorder();
      const slowSchema: StandardSchemaV1 = {
        '~standard': {
          version: 1,
          vendor: 'test',
          validate: (value) => {
            clock += 3;
            return { value };
          },
        },
      };
      const receiver = receiverWith({ observers: [observer], schemas: { 'score.changed': slowSchema } });
      receiver.on('score.changed', () => {
        clock += 7;
      });
      const sent = delivery('score.changed', sampleData('score.changed'));
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          clock += 2;
          controller.enqueue(new TextEncoder().encode(sent.rawBody));
          controller.close();
        },
      });
      const request = new Request('http://localhost/', { method: 'POST', body, duplex: 'half' } as RequestInit);
      await handleExchange(receiver, {
        method: 'POST',
        headers: sent.headers,
        body: { kind: 'web', request, fix: 'n/a' },
      });
      expect(seen.map(({ answer }) => answer.durations)).toEqual([
        { readMs: 2, verifyMs: 3, handlersMs: 7, totalMs: 12 },
      ]);
    } finally {
      vi.restoreAllMocks();
    }
  });

  it('see the cause of a failed delivery, and never the secret, the signature or the body', async () => {
    const { seen, observer } = recorder();
    const receiver = receiverWith({ onError: () => {} }).on('eval.failed', () => {
      throw new Error('database down');
    });
    observe(receiver, observer);
    const sent = delivery('eval.failed', { note: 'a-unique-body-marker' });
    await receiver.receive(sent);
    const answer = seen[0]!.answer;
    expect([answer.outcome, answer.code]).toEqual(['failed', 'HANDLER_FAILED']);
    expect(String((answer.error as Error).cause)).toContain('database down');
    const text = JSON.stringify({ ...answer, error: undefined });
    for (const secret of [SECRET, String(sent.headers['x-armalo-signature']), 'a-unique-body-marker']) {
      expect(text).not.toContain(secret);
    }
  });

  it('see the details an answer sends, such as the issues of a 422', async () => {
    const { seen, observer } = recorder();
    const receiver = receiverWith({ observers: [observer] });
    await receiver.receive(delivery('score.changed', { agentId: 7 }));
    const { answer } = seen[0]!;
    expect([answer.status, answer.code]).toEqual([422, 'INVALID_EVENT_DATA']);
    const issues = (answer.details as { issues: { path: string; message: string }[] }).issues;
    expect(issues.map((issue) => issue.path)).toContain('agentId');
    await receiver.receive(delivery('score.changed', sampleData('score.changed')));
    expect(seen[1]?.answer.details).toBeUndefined();
  });

  it('hand the exact bytes received, before verification, to an observer that defines read', async () => {
    const bodies: { text: string; fromReceived: unknown }[] = [];
    const reader: WebhookObserver = {
      received: () => 'exchange-1',
      read: (body, fromReceived) => bodies.push({ text: new TextDecoder().decode(body), fromReceived }),
    };
    const receiver = receiverWith({ observers: [recorder().observer, reader] });
    const tampered = delivery('eval.failed', { i: 1 }, { secret: 'whsec_other' });
    await receiver.receive(tampered);
    // Handed over before verification: a refused delivery is exactly what a developer wants to see.
    expect(bodies).toEqual([{ text: tampered.rawBody, fromReceived: 'exchange-1' }]);
  });

  it('a throwing observer never changes the answer, is logged once, and the others still run', async () => {
    const logger = silentLogger();
    const { seen, observer } = recorder();
    const broken: WebhookObserver = {
      received: () => {
        throw new Error('observer bug');
      },
      answered: () => {
        throw new Error('observer bug');
      },
    };
    const handler = vi.fn();
    const receiver = receiverWith({ logger, observers: [broken, observer] }).on('eval.failed', handler);
    for (let i = 0; i < 3; i++) {
      const result = await receiver.receive(delivery('eval.failed', { i }));
      expect(result.body).toEqual({ ok: true });
    }
    expect(handler).toHaveBeenCalledTimes(3);
    expect(seen).toHaveLength(3);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(String(logger.error.mock.calls[0]?.[0])).toContain('observer threw');
  });

  it('an async observer that rejects is logged once, like a throwing one, and leaves no unhandled rejection', async () => {
    const logger = silentLogger();
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const rejecting: WebhookObserver = {
        received: async () => Promise.reject(new Error('async observer bug')),
        answered: async () => Promise.reject(new Error('async observer bug')),
      };
      const receiver = receiverWith({ logger, observers: [rejecting] }).on('eval.failed', () => {});
      for (let i = 0; i < 3; i++) {
        const result = await receiver.receive(delivery('eval.failed', { i }));
        expect(result.body).toEqual({ ok: true });
      }
      await vi.waitFor(() => expect(logger.error).toHaveBeenCalled());
      // Node reports unhandled rejections once the microtask queue is empty: one macrotask later.
      await new Promise((resolve) => setImmediate(resolve));
      expect(logger.error).toHaveBeenCalledTimes(1);
      expect(String(logger.error.mock.calls[0]?.[0])).toContain('observer threw');
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('observe() returns the function that removes the observer', async () => {
    const { seen, observer } = recorder();
    const receiver = receiverWith();
    const stop = observe(receiver, observer);
    await receiver.receive(delivery('eval.failed', { n: 1 }));
    stop();
    await receiver.receive(delivery('eval.failed', { n: 2 }));
    expect(seen).toHaveLength(1);
    expect(() => observe({ receive: async () => ({}) as never }, observer)).toThrow(TypeError);
  });
});

describe('logger styles', () => {
  it('writes (message, meta) to console-style loggers and (meta, message) to pino-style ones', async () => {
    const consoleStyle = silentLogger();
    const pinoStyle = { ...silentLogger(), levelVal: 30 };
    for (const logger of [consoleStyle, pinoStyle]) {
      const receiver = receiverWith({ logger }).on('eval.failed', () => {
        throw new Error('boom');
      });
      await receiver.receive(delivery('eval.failed', {}));
    }
    expect(consoleStyle.error.mock.calls[0]?.[0]).toMatch(/^armalo-webhooks: HANDLER_FAILED/);
    expect(consoleStyle.error.mock.calls[0]?.[1]).toMatchObject({ event: 'eval.failed' });
    expect(pinoStyle.error.mock.calls[0]?.[0]).toMatchObject({ event: 'eval.failed' });
    expect(pinoStyle.error.mock.calls[0]?.[1]).toMatch(/^armalo-webhooks: HANDLER_FAILED/);
  });
});
