import { describe, expect, it } from 'vitest';
import { createWebhookReceiver } from '../receiver/receiver.js';
import { createUncheckedDelivery, sampleData } from '../testing/index.js';
import { attemptLine, staleLine } from './attempt-log.js';
import { createMemoryInbox } from './memory-inbox.js';
import { createInboxWorker } from './worker.js';

const info = { event: 'score.changed', deliveryId: 'a1b2:c3d4', attempt: 2 };
const error = { code: 'E_DB', message: 'connection refused' };

describe('the worker says what happens next, on one line', () => {
  it('while retries remain, and once dead-lettered', () => {
    expect(attemptLine(info, 5, { status: 'retry', delayMs: 4_080, error })).toBe(
      'score.changed a1b2:c3d4: attempt 2 of 5 failed, retrying in 4.1 s (E_DB: connection refused)',
    );
    expect(attemptLine({ ...info, attempt: 5 }, 5, { status: 'dead', error })).toBe(
      'score.changed a1b2:c3d4: dead-lettered after 5 attempts (E_DB: connection refused); see armalo-webhooks inbox show a1b2:c3d4',
    );
    expect(attemptLine({ ...info, attempt: 1 }, 5, { status: 'dead', error })).toContain(
      'dead-lettered at once, after 1 attempt (not retried)',
    );
  });

  it('through the receiver logger, one line per try, with the id inbox show takes', async () => {
    const lines: { level: string; args: unknown[] }[] = [];
    const logger = {
      warn: (...args: unknown[]) => lines.push({ level: 'warn', args }),
      error: (...args: unknown[]) => lines.push({ level: 'error', args }),
    };
    const inbox = createMemoryInbox();
    const webhooks = createWebhookReceiver({ secret: 'whsec_log', inbox, logger });
    webhooks.on('eval.failed', () => {
      throw new Error('still down');
    });
    const signed = createUncheckedDelivery('eval.failed', { n: 1 }, { secret: 'whsec_log' });
    const answer = await webhooks.receive({ rawBody: signed.body, headers: signed.headers, method: 'POST' });
    const worker = createInboxWorker(webhooks, { retry: { attempts: 2, baseMs: 10, maxMs: 10 } });
    await worker.start();
    for (let i = 0; i < 200 && (await inbox.stats()).dead === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    const id = answer.meta.idempotencyKey as string;
    expect(lines.map((line) => [line.level, line.args.length])).toEqual([
      ['warn', 1],
      ['error', 1],
    ]);
    expect(lines[0]?.args[0]).toMatch(
      new RegExp(
        `^armalo-webhooks: eval\\.failed ${id}: attempt 1 of 2 failed, retrying in 0\\.\\d s \\(HANDLER_FAILED: still down\\)$`,
      ),
    );
    expect(lines[1]?.args[0]).toContain(`dead-lettered after 2 attempts (HANDLER_FAILED: still down)`);
    expect((await inbox.get(id))?.state).toBe('dead');
  });
});

describe('the worker says when a delivery was stale', () => {
  it('as a line with the two times and no key (keys are made from the payload)', () => {
    expect(
      staleLine({
        event: 'score.changed',
        deliveryId: 'a1b2:c3d4',
        timestampMs: Date.parse('2026-03-01T10:05:00Z'),
        watermarkMs: Date.parse('2026-03-01T10:06:00Z'),
      }),
    ).toBe(
      "score.changed a1b2:c3d4: stale, no handler ran (sent 2026-03-01T10:05:00.000Z, older than its freshness key's newest handled delivery, 2026-03-01T10:06:00.000Z)",
    );
  });

  it('at the info level of a logger that has one, never as a warning', async () => {
    const lines: { level: string; args: unknown[] }[] = [];
    const logger = {
      info: (...args: unknown[]) => lines.push({ level: 'info', args }),
      warn: (...args: unknown[]) => lines.push({ level: 'warn', args }),
      error: (...args: unknown[]) => lines.push({ level: 'error', args }),
    };
    const inbox = createMemoryInbox();
    const webhooks = createWebhookReceiver({
      secret: 'whsec_log',
      inbox,
      logger,
      freshness: { 'score.changed': (event) => event.data.agentId },
    });
    webhooks.on('score.changed', () => {});
    const send = async (timestamp: Date) => {
      const data = sampleData('score.changed');
      const signed = createUncheckedDelivery('score.changed', data, { secret: 'whsec_log', timestamp });
      return webhooks.receive({ rawBody: signed.body, headers: signed.headers, method: 'POST' });
    };
    const newest = new Date();
    await send(newest);
    const older = await send(new Date(newest.getTime() - 1_000));
    const worker = createInboxWorker(webhooks, { concurrency: 1 });
    await worker.start();
    for (let i = 0; i < 200 && (await inbox.stats()).stale === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await worker.stop();
    expect(lines.map((line) => line.level)).toEqual(['info']);
    expect(lines[0]?.args).toEqual([
      `armalo-webhooks: score.changed ${older.meta.idempotencyKey}: stale, no handler ran (sent ${new Date(newest.getTime() - 1_000).toISOString()}, older than its freshness key's newest handled delivery, ${newest.toISOString()})`,
    ]);
  });
});
