import { describe, expect, it } from 'vitest';
import {
  type ConformanceCase,
  conformanceCases,
  type Expectation,
  type WireRequest,
  type WireResponse,
} from './cases.js';
import { createFixture, type Fixture, OTHER_SECRET, PREVIOUS_SECRET, SECRET, type Setup } from './fixture.js';

export interface MountedTarget {
  send(request: WireRequest): Promise<WireResponse>;
  close(): Promise<void>;
}

export interface ConformanceTarget {
  /**
   * Mounts the fixture's receiver the way a user of this adapter would. `setup` names how the
   * fixture was built, for targets that rebuild it in another runtime (see `remote-target.ts`).
   */
  mount(fixture: Fixture, options: { bodyAlreadyParsed: boolean; setup: Setup }): Promise<MountedTarget>;
  /**
   * Set when this target has no way for a framework to parse the body first (so the
   * RAW_BODY_UNAVAILABLE row does not apply to it); the reason is part of the suite's name.
   */
  bodyAlwaysRaw?: string;
}

const SECRETS = [SECRET, PREVIOUS_SECRET, OTHER_SECRET];

/** Sends every applicable row of the table through `target` and checks the exact answers. */
export function defineConformanceSuite(name: string, target: ConformanceTarget): void {
  const cases = conformanceCases.filter((c) => !(c.bodyAlreadyParsed && target.bodyAlwaysRaw));
  const suffix = target.bodyAlwaysRaw ? ` (RAW_BODY_UNAVAILABLE row not applicable: ${target.bodyAlwaysRaw})` : '';
  describe(`conformance: ${name}${suffix}`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      await runCase(target, testCase);
    });
  });
}

async function runCase(target: ConformanceTarget, testCase: ConformanceCase): Promise<void> {
  const fixture = createFixture(testCase.setup);
  const mounted = await target.mount(fixture, {
    bodyAlreadyParsed: testCase.bodyAlreadyParsed === true,
    setup: testCase.setup,
  });
  const signatures: string[] = [];
  try {
    for (const [index, step] of testCase.steps.entries()) {
      const request = step.request();
      const signature = request.headers['x-armalo-signature'];
      if (signature) signatures.push(signature.trim().toLowerCase());
      expectAnswer(await mounted.send(request), step.expect, `step ${index + 1}`, signatures);
    }
    expect(fixture.calls).toEqual(testCase.calls);
    const logs = fixture.logs.join('\n').toLowerCase();
    for (const secret of SECRETS) expect(logs).not.toContain(secret.toLowerCase());
    for (const sig of signatures) expect(logs).not.toContain(sig);
  } finally {
    await mounted.close();
  }
}

/**
 * Checks one answer against its row: status, JSON content type, the exact success body or the error
 * code with a message, the listed headers, and that no secret or received signature is echoed.
 */
export function expectAnswer(response: WireResponse, expected: Expectation, step: string, signatures: string[]): void {
  const where = `${step}: ${response.status} ${JSON.stringify(response.body)}`;
  expect(response.status, where).toBe(expected.status);
  expect(response.headers['content-type'], where).toMatch(/^application\/json/);
  if (expected.code === undefined) {
    expect(response.body, where).toEqual(expected.body);
  } else {
    const body = response.body as { error?: unknown; code?: unknown };
    expect(body.code, where).toBe(expected.code);
    expect(typeof body.error, where).toBe('string');
  }
  for (const [header, value] of Object.entries(expected.headers ?? {})) {
    expect(response.headers[header], `${where} header ${header}`).toBe(value);
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
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: the assertions then say what came back instead of a JSON body.
  }
  return { status: response.status, headers, body };
}

/** Sends a table request to a real listening server over HTTP. */
export async function sendHttp(baseUrl: string, request: WireRequest): Promise<WireResponse> {
  const response = await fetch(baseUrl, {
    method: request.method,
    headers: request.headers,
    body: new Uint8Array(request.body),
  });
  return fromFetchResponse(response);
}
