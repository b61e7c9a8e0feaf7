import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delivery, receiverWith, silentLogger } from '../fixtures/receiver.js';
import { observe, refusalCounts } from '../index.js';

const wrongSecret = (i = 0) => delivery('eval.failed', { i }, { secret: 'whsec_wrong' });

beforeEach(() => {
  vi.useFakeTimers({ now: 0, toFake: ['Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('refusals are logged by default', () => {
  it('a wrong secret is a warning that says what to check, with the code and the event', async () => {
    const logger = silentLogger();
    const receiver = receiverWith({ logger });
    await receiver.receive(wrongSecret());
    expect(logger.warn.mock.calls).toEqual([
      [
        'armalo-webhooks: refused a delivery: INVALID_SIGNATURE (401): if every delivery gets this, the secret is not the one Armalo signs with, or something before this handler changed the body',
        { status: 401, code: 'INVALID_SIGNATURE' },
      ],
    ]);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('at most perMinute lines a minute; the next line after the pause says how many were held back', async () => {
    const logger = silentLogger();
    const receiver = receiverWith({ logger });
    for (let i = 0; i < 25; i++) await receiver.receive(wrongSecret(i));
    expect(logger.warn).toHaveBeenCalledTimes(10);
    vi.setSystemTime(59_999);
    await receiver.receive(wrongSecret(25));
    expect(logger.warn).toHaveBeenCalledTimes(10);
    vi.setSystemTime(60_000);
    await receiver.receive(wrongSecret(26));
    expect(logger.warn).toHaveBeenCalledTimes(11);
    expect(logger.warn.mock.calls[10]?.[1]).toEqual({ status: 401, code: 'INVALID_SIGNATURE', suppressed: 16 });
  });

  it('logs at the chosen level and rate', async () => {
    const logger = silentLogger();
    const receiver = receiverWith({ logger, logRefusals: { level: 'error', perMinute: 2 } });
    for (let i = 0; i < 5; i++) await receiver.receive(wrongSecret(i));
    expect(logger.error).toHaveBeenCalledTimes(2);
    expect(logger.warn).not.toHaveBeenCalled();
  });

  it('does not log what normal operation produces: 405 (health checks) and 409 (a retry during the first try)', async () => {
    const logger = silentLogger();
    let release = () => {};
    const receiver = receiverWith({ logger }).on('eval.failed', () => new Promise<void>((r) => (release = r)));
    await receiver.receive({ rawBody: '', headers: {}, method: 'GET' });
    const first = delivery('eval.failed', {});
    const running = receiver.receive(first);
    expect((await receiver.receive(first)).status).toBe(409);
    release();
    expect((await running).status).toBe(200);
    expect(logger.warn).not.toHaveBeenCalled();
    expect(refusalCounts(receiver)).toEqual({ METHOD_NOT_ALLOWED: 1, DELIVERY_IN_PROGRESS: 1 });
  });

  it('logRefusals: false writes no line', async () => {
    const logger = silentLogger();
    const receiver = receiverWith({ logger, logRefusals: false });
    await receiver.receive(wrongSecret());
    expect(logger.warn).not.toHaveBeenCalled();
    expect(refusalCounts(receiver)).toEqual({ INVALID_SIGNATURE: 1 });
  });
});

describe('refusalCounts', () => {
  it('counts every refusal by code, with or without observers, and nothing else', async () => {
    const receiver = receiverWith({ logRefusals: false });
    await receiver.receive(wrongSecret());
    await receiver.receive(delivery('eval.failed', {})); // 200: not a refusal
    observe(receiver, { answered: () => {} });
    await receiver.receive(wrongSecret(1));
    await receiver.receive({ rawBody: 'nope', headers: {} });
    expect(refusalCounts(receiver)).toEqual({ INVALID_SIGNATURE: 2, MISSING_SIGNATURE: 1 });
  });

  it('is a snapshot, and refuses anything but a receiver', async () => {
    const receiver = receiverWith();
    const before = refusalCounts(receiver);
    await receiver.receive(wrongSecret());
    expect(before).toEqual({});
    expect(() => refusalCounts({})).toThrow(TypeError);
  });
});
