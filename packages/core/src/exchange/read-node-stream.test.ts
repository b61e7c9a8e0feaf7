import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readNodeStream } from './read-node-stream.js';

// The reader's own outcomes on plain streams; the status codes they become are the conformance
// table's (test/conformance), over real servers.

const limits = { maxBodyBytes: 10, timeoutMs: 1_000 };

function stream(): PassThrough {
  return new PassThrough();
}

describe('readNodeStream', () => {
  it('returns the exact bytes of a body sent in several chunks', async () => {
    const s = stream();
    const read = readNodeStream(s, { ...limits, declaredLength: 6 });
    s.write(Buffer.from('abc'));
    s.end(Buffer.from('def'));
    const result = await read;
    expect(result.ok && Buffer.from(result.bytes).toString()).toBe('abcdef');
  });

  it('is too-large before reading when the declared length is over the limit, and keeps draining', async () => {
    const s = stream();
    await expect(readNodeStream(s, { ...limits, declaredLength: 11 })).resolves.toEqual({
      ok: false,
      reason: 'too-large',
    });
    expect(s.readableFlowing).toBe(true); // discarding, so the connection is not held open
  });

  it('is too-large once the bytes read cross the limit, without a declared length', async () => {
    const s = stream();
    const read = readNodeStream(s, limits);
    s.write(Buffer.alloc(6));
    s.write(Buffer.alloc(6));
    await expect(read).resolves.toEqual({ ok: false, reason: 'too-large' });
  });

  it('is aborted when the body is shorter or longer than it declared', async () => {
    const short = stream();
    const shortRead = readNodeStream(short, { ...limits, declaredLength: 5 });
    short.end(Buffer.from('abc'));
    await expect(shortRead).resolves.toEqual({ ok: false, reason: 'aborted' });

    const long = stream();
    const longRead = readNodeStream(long, { ...limits, declaredLength: 2 });
    long.write(Buffer.from('abc'));
    await expect(longRead).resolves.toEqual({ ok: false, reason: 'aborted' });
  });

  it('is aborted when the stream is destroyed before its end, or errors', async () => {
    const closed = stream();
    const closedRead = readNodeStream(closed, limits);
    closed.destroy();
    await expect(closedRead).resolves.toEqual({ ok: false, reason: 'aborted' });

    const failed = stream();
    const failedRead = readNodeStream(failed, limits);
    failed.destroy(new Error('socket hang up'));
    await expect(failedRead).resolves.toEqual({ ok: false, reason: 'aborted' });

    const gone = stream();
    gone.destroy();
    await expect(readNodeStream(gone, limits)).resolves.toEqual({ ok: false, reason: 'aborted' });
  });

  it('times out a body that stops arriving', async () => {
    const s = stream();
    const read = readNodeStream(s, { ...limits, timeoutMs: 20 });
    s.write(Buffer.from('ab'));
    await expect(read).resolves.toEqual({ ok: false, reason: 'timeout' });
  });

  it('is consumed when something read the stream first or made it decode to strings', async () => {
    const read = stream();
    read.end(Buffer.from('abc'));
    read.read();
    await expect(readNodeStream(read, limits)).resolves.toEqual({ ok: false, reason: 'consumed' });

    const decoded = stream();
    decoded.setEncoding('utf8');
    await expect(readNodeStream(decoded, limits)).resolves.toEqual({ ok: false, reason: 'consumed' });

    const parsed = Object.assign(stream(), { _body: true });
    await expect(readNodeStream(parsed, limits)).resolves.toEqual({ ok: false, reason: 'consumed' });
  });
});
