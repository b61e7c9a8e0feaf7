import { request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import { outcomeOf } from '@armalo-webhooks/core';
import { describe, expect, it } from 'vitest';
import {
  type BodyConsumption,
  type ConformanceCase,
  conformanceCases,
  type Expectation,
  type WireRequest,
  type WireResponse,
} from './cases.js';
import { createFixture, type Fixture, OTHER_SECRET, PREVIOUS_SECRET, SECRET, type Setup } from './fixture.js';

export interface MountedTarget {
  send(request: WireRequest): Promise<WireResponse>;
  /**
   * Sends a request whose body never ends and resolves once the adapter has started reading it
   * (so it holds a body slot). It stays open until `close()`. Only for targets with `slowBodies`.
   */
  hold?(request: WireRequest): Promise<void>;
  close(): Promise<void>;
  /** Set when the fixture's receiver runs in another process: its observer's record is not here. */
  remote?: true;
}

export interface ConformanceTarget {
  /**
   * Mounts the fixture's receiver the way a user of this adapter would. `setup` names how the
   * fixture was built, for targets that rebuild it in another runtime (see `remote-target.ts`).
   */
  mount(fixture: Fixture, options: { consumed: BodyConsumption | undefined; setup: Setup }): Promise<MountedTarget>;
  /**
   * The ways this host can lose the body before the adapter, each with how (part of the suite's
   * name); RAW_BODY_UNAVAILABLE rows for other ways are not run. Omitted: none (receive() is
   * handed bytes).
   */
  consumes?: Partial<Record<BodyConsumption, string>>;
  /** What `details.fix` of RAW_BODY_UNAVAILABLE must say on this host. */
  rawBodyFix?: RegExp;
  /**
   * Set, with the reason, when this target can only send whole bodies (receive(), supertest,
   * fastify.inject()): the rows about slow, endless and held bodies do not apply to it.
   */
  wholeBodiesOnly?: string;
  /**
   * Set, with the reason, when this transport keeps only one value of a repeated header (an ALB
   * target group without multi-value headers keeps the last): the rows that repeat a header do
   * not apply to it.
   */
  singleHeaderValues?: string;
}

const SECRETS = [SECRET, PREVIOUS_SECRET, OTHER_SECRET];

/** Whether a row needs a target that streams bodies. */
export function needsStreaming(testCase: ConformanceCase): boolean {
  return testCase.holding !== undefined || testCase.steps.some((step) => step.request().hang === true);
}

/** Whether a row sends a header more than once. */
function repeatsHeader(testCase: ConformanceCase): boolean {
  return testCase.steps.some((step) => Object.values(step.request().headers).some(Array.isArray));
}

/** Sends every applicable row of the table through `target` and checks the exact answers. */
export function defineConformanceSuite(name: string, target: ConformanceTarget): void {
  const cases = conformanceCases.filter(
    (c) =>
      (c.consumed === undefined || target.consumes?.[c.consumed] !== undefined) &&
      (target.wholeBodiesOnly === undefined || !needsStreaming(c)) &&
      (target.singleHeaderValues === undefined || !repeatsHeader(c)),
  );
  const notes = [
    ...Object.entries(target.consumes ?? {}).map(([way, how]) => `${way}: ${how}`),
    ...(target.wholeBodiesOnly ? [`no streamed-body rows: ${target.wholeBodiesOnly}`] : []),
    ...(target.singleHeaderValues ? [`no repeated-header rows: ${target.singleHeaderValues}`] : []),
  ];
  describe(`conformance: ${name}${notes.length ? ` (${notes.join('; ')})` : ''}`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      await runCase(target, testCase);
    });
  });
}

async function runCase(target: ConformanceTarget, testCase: ConformanceCase): Promise<void> {
  const fixture = createFixture(testCase.setup);
  const mounted = await target.mount(fixture, { consumed: testCase.consumed, setup: testCase.setup });
  const signatures: string[] = [];
  const answered: string[] = [];
  try {
    if (testCase.holding) {
      if (mounted.hold === undefined) throw new Error('this target cannot hold a body open');
      await mounted.hold(testCase.holding());
    }
    for (const [index, step] of testCase.steps.entries()) {
      const request = step.request();
      signatures.push(...signaturesOf(request));
      const answer = await mounted.send(request);
      expectAnswer(answer, step.expect, `step ${index + 1}`, signatures, target.rawBodyFix);
      // A 200 is named by its outcome as a client reads it (handled, duplicate, stale, queued).
      answered.push(answer.status === 200 ? outcomeOf(answer) : String((answer.body as { code?: unknown }).code));
    }
    expect(fixture.calls).toEqual(testCase.calls);
    if (!mounted.remote) expect(fixture.observed, 'what the observer hook saw').toEqual(answered);
    const logs = fixture.logs.join('\n').toLowerCase();
    for (const secret of SECRETS) expect(logs).not.toContain(secret.toLowerCase());
    for (const sig of signatures) expect(logs).not.toContain(sig);
  } finally {
    await mounted.close();
  }
}

/** The signatures a request carries, normalized, to check that no answer or log echoes them. */
export function signaturesOf(request: WireRequest): string[] {
  const value = request.headers['x-armalo-signature'];
  return ([] as string[])
    .concat(value ?? [])
    .map((sig) => sig.trim().toLowerCase())
    .filter(Boolean);
}

/**
 * Checks one answer against its row: status, JSON content type, the exact success body or the error
 * code with a message (and `details` where the row lists them), the listed headers, and that no
 * secret or received signature is echoed.
 */
export function expectAnswer(
  response: WireResponse,
  expected: Expectation,
  step: string,
  signatures: string[],
  rawBodyFix?: RegExp,
): void {
  const where = `${step}: ${response.status} ${JSON.stringify(response.body)}`;
  expect(response.status, where).toBe(expected.status);
  expect(response.headers['content-type'], where).toMatch(/^application\/json/);
  if (expected.code === undefined) {
    expect(response.body, where).toEqual(expected.body);
  } else {
    const body = response.body as { error?: unknown; code?: unknown; details?: { fix?: unknown } };
    expect(body.code, where).toBe(expected.code);
    expect(typeof body.error, where).toBe('string');
    if (expected.details) expect(body.details, where).toMatchObject(expected.details);
    if (expected.namesHostFix) {
      if (rawBodyFix === undefined) throw new Error('the target has no rawBodyFix to check details.fix against');
      expect(body.details?.fix, where).toMatch(rawBodyFix);
    }
  }
  for (const [header, value] of Object.entries(expected.headers ?? {})) {
    // Connection is a list of options (RFC 9110 §7.6.1), and a runtime that manages the connection
    // itself may add its own `close` next to core's (Deno does when the body was not read to the end):
    // `close, close` still means close.
    const received =
      header === 'connection'
        ? [...new Set(String(response.headers[header]).split(/\s*,\s*/))].join(', ')
        : response.headers[header];
    expect(received, `${where} header ${header}`).toBe(value);
  }
  const text = JSON.stringify(response.body).toLowerCase();
  for (const secret of SECRETS) expect(text).not.toContain(secret.toLowerCase());
  for (const sig of signatures) expect(text).not.toContain(sig);
}

/** Normalizes a fetch Response into the table's comparable shape. */
export async function fromFetchResponse(response: Response): Promise<WireResponse> {
  const headers: Record<string, string> = {};
  response.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return { status: response.status, headers, body: parseBody(await response.text()) };
}

function parseBody(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    // Left as text: the assertions then say what came back instead of a JSON body.
    return text;
  }
}

/** Fetch `Headers` for a table request: a repeated header is appended once per value (joined with ", "). */
export function toHeaders(headers: WireRequest['headers']): Headers {
  const result = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    for (const one of ([] as string[]).concat(value)) result.append(name, one);
  }
  return result;
}

/**
 * A fetch `Request` for a table request. A `hang` body is a stream that sends the bytes and never
 * ends; `onPull` is called each time the reader asks for more (so the first call means the adapter
 * started reading).
 */
export function toRequest(url: string, request: WireRequest, onPull?: () => void): Request {
  const init: RequestInit & { duplex?: 'half' } = { method: request.method, headers: toHeaders(request.headers) };
  if (request.hang) {
    let sent = false;
    init.body = new ReadableStream<Uint8Array>({
      pull(controller) {
        onPull?.();
        if (!sent) {
          sent = true;
          controller.enqueue(new Uint8Array(request.body));
        }
        // Then never again, and never closed: a client that stalls.
        return new Promise(() => {});
      },
    });
    init.duplex = 'half';
  } else if (request.method !== 'GET' && request.method !== 'HEAD') {
    init.body = new Uint8Array(request.body);
  }
  return new Request(url, init);
}

/**
 * Sends a table request to a real listening server with node:http, so that a repeated header goes
 * out as repeated lines and a `hang` body is sent chunked and never ended. Resolves with the answer
 * (for a hanging body, as soon as it arrives; the request is then torn down).
 */
export function sendHttp(url: string, request: WireRequest): Promise<WireResponse> {
  const { hostname, port, pathname } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = httpRequest({
      host: hostname,
      port,
      path: pathname,
      method: request.method,
      headers: request.headers,
      agent: false,
    });
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('error', reject);
      res.on('end', () => {
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(res.headers)) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
        }
        resolve({ status: res.statusCode ?? 0, headers, body: parseBody(Buffer.concat(chunks).toString('utf8')) });
        if (request.hang) req.destroy();
      });
    });
    if (request.hang) {
      req.write(request.body);
    } else {
      req.end(request.body);
    }
  });
}

/**
 * Sends a request whose body never ends to a real server and resolves once the server's adapter
 * has started reading it (the request stream was resumed). Returns a function that tears it down.
 */
export async function holdHttp(server: Server, url: string, request: WireRequest): Promise<() => void> {
  const reading = new Promise<void>((resolve) => {
    const onRequest = (incoming: IncomingMessage) => {
      server.off('request', onRequest);
      incoming.once('resume', () => resolve());
    };
    server.prependListener('request', onRequest);
  });
  const { hostname, port, pathname } = new URL(url);
  const req = httpRequest({ host: hostname, port, path: pathname, method: request.method, headers: request.headers });
  req.on('error', () => {});
  req.write(request.body);
  await reading;
  return () => req.destroy();
}

/** `hold` for in-process fetch targets: resolves once the handler has started reading the stream. */
export async function holdFetch(
  handle: (request: Request) => Promise<Response>,
  url: string,
  request: WireRequest,
): Promise<void> {
  await new Promise<void>((resolve) => {
    handle(toRequest(url, request, resolve)).catch(() => {});
  });
}
