import { describe, expect, it } from 'vitest';
import { ERROR_MESSAGES, ERROR_STATUS, isWebhookError, WebhookError } from './errors.js';
import { errorResult, successResult } from './result.js';

describe('error codes', () => {
  it('map to the statuses of the api.md table', () => {
    expect(ERROR_STATUS).toMatchObject({
      METHOD_NOT_ALLOWED: 405,
      UNSUPPORTED_MEDIA_TYPE: 415,
      PAYLOAD_TOO_LARGE: 413,
      MISSING_SIGNATURE: 401,
      MALFORMED_SIGNATURE: 401,
      INVALID_SIGNATURE: 401,
      TIMESTAMP_OUT_OF_TOLERANCE: 401,
      INVALID_JSON: 400,
      INVALID_ENVELOPE: 400,
      INVALID_EVENT_DATA: 422,
      UNKNOWN_EVENT: 400,
      DELIVERY_IN_PROGRESS: 409,
      HANDLER_FAILED: 500,
      IDEMPOTENCY_STORE_UNAVAILABLE: 503,
      RAW_BODY_UNAVAILABLE: 500,
    });
  });

  it('every code has a message', () => {
    expect(Object.keys(ERROR_MESSAGES).sort()).toEqual(Object.keys(ERROR_STATUS).sort());
  });
});

describe('WebhookError', () => {
  it('carries code, status, details and cause', () => {
    const cause = new Error('db down');
    const error = new WebhookError('HANDLER_FAILED', { cause, details: { a: 1 } });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ name: 'WebhookError', code: 'HANDLER_FAILED', status: 500, details: { a: 1 } });
    expect(error.message).toBe(ERROR_MESSAGES.HANDLER_FAILED);
    expect(error.cause).toBe(cause);
    expect(new WebhookError('INVALID_JSON', { message: 'custom' }).message).toBe('custom');
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

describe('results', () => {
  it('errorResult builds status, JSON headers and { error, code, details? }', () => {
    const result = errorResult('UNKNOWN_EVENT', { details: { event: 'x' }, headers: { 'x-a': '1' } });
    expect(result).toEqual({
      status: 400,
      headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-a': '1' },
      body: { error: ERROR_MESSAGES.UNKNOWN_EVENT, code: 'UNKNOWN_EVENT', details: { event: 'x' } },
      meta: {},
    });
    expect(errorResult('INVALID_JSON').body).toEqual({ error: ERROR_MESSAGES.INVALID_JSON, code: 'INVALID_JSON' });
  });

  it('successResult marks duplicates', () => {
    expect(successResult(false).body).toEqual({ ok: true });
    expect(successResult(true).body).toEqual({ ok: true, duplicate: true });
    expect(successResult(false).status).toBe(200);
  });
});
