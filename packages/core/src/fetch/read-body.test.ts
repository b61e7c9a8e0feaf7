import { describe, expect, it, vi } from 'vitest';
import { readRequestBody } from './read-body.js';

const URL_ = 'http://127.0.0.1/webhooks/armalo';
const LIMITS = { maxBodyBytes: 10, timeoutMs: 30_000 };

/** A Request whose body is a stream we control, recording how far it was pulled and whether it was cancelled. */
function streamedRequest(chunks: Uint8Array[], options: { endless?: boolean; failAfter?: number } = {}) {
  const state = { pulled: 0, cancelled: false };
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (options.failAfter !== undefined && state.pulled === options.failAfter) {
        controller.error(new Error('connection reset'));
        return;
      }
      const chunk = chunks[state.pulled];
      state.pulled++;
      if (chunk !== undefined) controller.enqueue(chunk);
      else if (!options.endless) controller.close();
      else return new Promise(() => {}); // a client that stops sending
    },
    cancel() {
      state.cancelled = true;
    },
  });
  const request = new Request(URL_, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
  return { request, state };
}

const bytes = (n: number, fill = 0x61) => new Uint8Array(n).fill(fill);

describe('readRequestBody', () => {
  it('reads the exact bytes of a body', async () => {
    const body = new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0xff, 0x7d]);
    const outcome = await readRequestBody(new Request(URL_, { method: 'POST', body }), LIMITS);
    expect(outcome).toEqual({ ok: true, body });
  });

  it('joins chunks in order', async () => {
    const { request } = streamedRequest([bytes(3, 1), bytes(4, 2), bytes(3, 3)]);
    const outcome = await readRequestBody(request, LIMITS);
    expect(outcome.ok).toBe(true);
    expect(Array.from((outcome as { body: Uint8Array }).body)).toEqual([1, 1, 1, 2, 2, 2, 2, 3, 3, 3]);
  });

  it('accepts a body of exactly the limit', async () => {
    const outcome = await readRequestBody(new Request(URL_, { method: 'POST', body: bytes(10) }), LIMITS);
    expect(outcome).toMatchObject({ ok: true });
  });

  it('answers too-large one byte past the limit', async () => {
    const outcome = await readRequestBody(new Request(URL_, { method: 'POST', body: bytes(11) }), LIMITS);
    expect(outcome).toEqual({ ok: false, reason: 'too-large' });
  });

  it('stops reading and cancels the stream as soon as the limit is crossed', async () => {
    const { request, state } = streamedRequest(
      Array.from({ length: 20 }, () => bytes(6)),
      { endless: true },
    );
    const outcome = await readRequestBody(request, LIMITS);
    expect(outcome).toEqual({ ok: false, reason: 'too-large' });
    await vi.waitFor(() => expect(state.cancelled).toBe(true));
    // Two chunks cross the limit; allow one chunk of read-ahead by the stream, nothing more.
    expect(state.pulled).toBeLessThanOrEqual(3);
  });

  it('answers an empty body for a request without one', async () => {
    expect(await readRequestBody(new Request(URL_, { method: 'POST' }), LIMITS)).toEqual({
      ok: true,
      body: new Uint8Array(0),
    });
  });

  it('answers consumed, without waiting, for a body already read', async () => {
    const request = new Request(URL_, { method: 'POST', body: '{"a":1}' });
    await request.json();
    expect(await readRequestBody(request, LIMITS)).toEqual({ ok: false, reason: 'consumed' });
  });

  it('answers consumed for a body whose stream is locked by another reader', async () => {
    const request = new Request(URL_, { method: 'POST', body: '{"a":1}' });
    request.body!.getReader();
    expect(await readRequestBody(request, LIMITS)).toEqual({ ok: false, reason: 'consumed' });
  });

  it('answers timeout when the body stops arriving, and cancels the stream', async () => {
    const { request, state } = streamedRequest([bytes(2)], { endless: true });
    const outcome = await readRequestBody(request, { maxBodyBytes: 100, timeoutMs: 30 });
    expect(outcome).toEqual({ ok: false, reason: 'timeout' });
    await vi.waitFor(() => expect(state.cancelled).toBe(true));
  });

  it('answers aborted when the stream errors', async () => {
    const { request } = streamedRequest([bytes(2), bytes(2)], { failAfter: 1 });
    expect(await readRequestBody(request, LIMITS)).toEqual({ ok: false, reason: 'aborted' });
  });
});
