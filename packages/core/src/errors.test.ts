import { describe, expect, it } from 'vitest';
import { ERRORS, isWebhookError, WebhookError } from './errors.js';
import { acknowledged, isAnswer, refusal } from './exchange/result.js';

describe('WebhookError', () => {
  it('carries code, status, details and cause, with the message of the table', () => {
    const cause = new Error('db down');
    const error = new WebhookError('HANDLER_FAILED', { cause, details: { a: 1 } });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'WebhookError', code: 'HANDLER_FAILED', status: 500, details: { a: 1 } });
    expect(error.message).toBe(ERRORS.HANDLER_FAILED.message);
    expect(error.cause).toBe(cause);
  });

  it('isWebhookError recognizes copies from another module instance, and nothing else', () => {
    expect(isWebhookError(new WebhookError('INVALID_JSON'))).toBe(true);
    const foreign = Object.assign(new Error('x'), { name: 'WebhookError', code: 'INVALID_JSON' });
    expect(isWebhookError(foreign)).toBe(true);
    expect(isWebhookError(Object.assign(new Error('x'), { name: 'WebhookError', code: 'NOPE' }))).toBe(false);
    expect(isWebhookError(Object.assign(new Error('x'), { name: 'WebhookError', code: 'toString' }))).toBe(false);
    expect(isWebhookError(Object.assign(new Error('x'), { name: 'WebhookError', code: 'constructor' }))).toBe(false);
    expect(isWebhookError({ name: 'WebhookError', code: 'INVALID_JSON' })).toBe(false);
    expect(isWebhookError(new Error('x'))).toBe(false);
    expect(isWebhookError(undefined)).toBe(false);
  });
});

describe('answers', () => {
  it('a refusal takes its message from the table and adds details and per-delivery headers to the fixed ones', () => {
    const result = refusal('IDEMPOTENCY_STORE_UNAVAILABLE', {
      details: { event: 'x' },
      headers: { 'x-a': '1' },
      meta: { event: 'x' },
    });
    expect(result.body).toEqual({
      error: ERRORS.IDEMPOTENCY_STORE_UNAVAILABLE.message,
      code: 'IDEMPOTENCY_STORE_UNAVAILABLE',
      details: { event: 'x' },
    });
    expect(result.headers).toMatchObject({ ...ERRORS.IDEMPOTENCY_STORE_UNAVAILABLE.headers, 'x-a': '1' });
    expect(result.meta).toEqual({ event: 'x' });
    expect(refusal('INVALID_JSON').body).toEqual({ error: ERRORS.INVALID_JSON.message, code: 'INVALID_JSON' });
  });

  it('an acknowledgement marks duplicates, and steps tell answers from values', () => {
    expect(acknowledged({}).body).toEqual({ ok: true });
    expect(acknowledged({}, 'duplicate').body).toEqual({ ok: true, duplicate: true });
    expect(acknowledged({}, 'queued').body).toEqual({ ok: true, queued: true });
    expect(isAnswer(acknowledged({}))).toBe(true);
    expect(isAnswer(refusal('INVALID_JSON'))).toBe(true);
    expect(isAnswer({ status: 200, headers: {}, body: { ok: true }, meta: {} })).toBe(false);
    expect(isAnswer(0)).toBe(false);
  });
});
