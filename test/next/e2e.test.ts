/**
 * End to end: `next build` of examples/next, then `next start` on 127.0.0.1, then the shared
 * conformance table over real HTTP to the App Router route on Node.js, the App Router route on
 * Edge, and the Pages Router route.
 *
 * The table normally builds a fresh receiver per row (`createFixture(setup)`); a built app has
 * one receiver per route, created by examples/next/lib/webhooks.ts with default options (secret
 * from ARMALO_WEBHOOK_SECRET, memory idempotency store, 1 MiB limit). So this suite sends the rows
 * whose setup is 'default', with the same expectations (status, code, body, headers, no secret or
 * signature echoed). Rows needing another setup (secret rotation, a small limit, a failing or
 * unavailable store, a user schema, unknownEvents: 'reject') are filtered out here and run
 * in process by app-router.test.ts and pages-router.test.ts; the size limit is still exercised
 * over HTTP below, against the default 1 MiB.
 *
 * Handler calls are checked too: the example's onAny/onUnknown handlers print one line per call
 * (`armalo-webhook route=<id> handled=<event>`) and the suite reads them from the server output.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createSignedDelivery, createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type ConformanceCase, conformanceCases } from '../conformance/cases.js';
import { OTHER_SECRET, PREVIOUS_SECRET, SECRET } from '../conformance/fixture.js';
import { expectAnswer, needsStreaming, sendHttp, signaturesOf } from '../conformance/run.js';
import { buildExample, EXAMPLE_DIR, postChunked, type RunningApp, startExample, stop } from './next-app.js';

interface Route {
  name: string;
  path: string;
  /** The id the example's handlers print. */
  id: string;
  /**
   * Where the "body already parsed" row goes. Only the Pages Router has a framework parser in
   * front of the handler (a route without `bodyParser: false`); Next never reads an App Router
   * Request before the route handler, so there only user code could (app-router.test.ts).
   */
  parsed?: { path: string; id: string };
  /**
   * Whether the route sees the body as it arrives. Under `next start`, Next's local Edge runtime
   * hands an Edge function its request only once the whole body has been received (observed with
   * Next 16.4: a paused upload gets no answer), so there the limit can only act on a complete body.
   */
  streamsBody: boolean;
}

const ROUTES: Route[] = [
  { name: 'App Router, Node.js runtime', path: '/api/webhooks/armalo', id: 'app-node', streamsBody: true },
  { name: 'App Router, Edge runtime', path: '/api/webhooks/armalo-edge', id: 'app-edge', streamsBody: false },
  {
    name: 'Pages Router',
    path: '/api/webhooks/armalo-pages',
    id: 'pages',
    parsed: { path: '/api/webhooks/forgot-body-parser-config', id: 'pages-misconfigured' },
    streamsBody: true,
  },
];

const LIMIT = 1024 * 1024;
/** The fix RAW_BODY_UNAVAILABLE names on the Pages Router: the route's own config, as a literal. */
const PAGES_FIX = /export const config = \{ api: \{ bodyParser: false \} \};.*object literal/;
// Rows a running Next app can take as it is: its own receivers, whole bodies. A body lost before
// the handler is reachable only through the Pages Router's parser ('parsed').
const DEFAULT_CASES = conformanceCases.filter(
  (c) => c.setup === 'default' && c.consumed !== 'drained' && !needsStreaming(c),
);
const SECRETS = [SECRET, PREVIOUS_SECRET, OTHER_SECRET];
const sent: string[] = [];
let app: RunningApp | undefined;
let buildOutput: string[] = [];
const suiteStart = performance.now();

beforeAll(async () => {
  const build = await buildExample();
  buildOutput = build.output;
  app = await startExample({ ARMALO_WEBHOOK_SECRET: SECRET });
  console.info(`next e2e: next build ${(build.ms / 1000).toFixed(1)} s, next start ${(app.ms / 1000).toFixed(1)} s`);
}, 300_000);

afterAll(async () => {
  if (app) await stop(app.child);
  console.info(`next e2e: wall time ${((performance.now() - suiteStart) / 1000).toFixed(1)} s`);
});

function running(): RunningApp {
  if (app === undefined) throw new Error('the app did not start');
  return app;
}

let markers = 0;

/**
 * The handler calls printed for route `id` since output line `from`. Handlers print before their
 * answer is written, but the server's output pipe may be read later: a marker delivery sent to
 * `route` now is printed after every line that came before it, so once its line has been read,
 * so has every call the earlier requests caused.
 */
async function callsSince(route: Route, id: string, from: number): Promise<string[]> {
  const event = `armalo.e2e.marker${++markers}`;
  const marker = createUncheckedDelivery(event, {}, { secret: SECRET });
  sent.push(marker.signature);
  const request = { method: 'POST', headers: marker.headers, body: Buffer.from(marker.body) };
  expect((await sendHttp(`${running().baseUrl}${route.path}`, request)).status).toBe(200);
  const markerLine = `armalo-webhook route=${route.id} handled=unknown:${event}`;
  await vi.waitFor(() => expect(running().output.indexOf(markerLine, from)).toBeGreaterThan(-1), { timeout: 5000 });
  const prefix = `armalo-webhook route=${id} handled=`;
  return running()
    .output.slice(from, running().output.indexOf(markerLine, from))
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length));
}

/** A signed 2 MiB delivery: twice the default limit. */
function oversizedBody(): Buffer {
  const delivery = createSignedDelivery('monitoring.alert', { padding: 'x'.repeat(2 * LIMIT) }, { secret: SECRET });
  sent.push(delivery.signature);
  return Buffer.from(delivery.body);
}

async function runCase(route: Route, testCase: ConformanceCase): Promise<void> {
  const target = testCase.consumed === 'parsed' ? route.parsed : route;
  if (target === undefined) throw new Error('row not applicable to this route');
  const from = running().output.length;
  const signatures: string[] = [];
  for (const [index, step] of testCase.steps.entries()) {
    const request = step.request();
    signatures.push(...signaturesOf(request));
    sent.push(...signaturesOf(request));
    const response = await sendHttp(`${running().baseUrl}${target.path}`, request);
    expectAnswer(response, step.expect, `step ${index + 1}`, signatures, PAGES_FIX);
  }
  expect(await callsSince(route, target.id, from)).toEqual(testCase.calls);
}

describe('next build output', () => {
  it('builds the Edge route as an Edge function and the other routes for Node.js', () => {
    const manifest = JSON.parse(readFileSync(join(EXAMPLE_DIR, '.next/server/middleware-manifest.json'), 'utf8')) as {
      functions: Record<string, { files: string[] }>;
    };
    expect(Object.keys(manifest.functions)).toEqual(['/api/webhooks/armalo-edge/route']);
    const appPaths = JSON.parse(readFileSync(join(EXAMPLE_DIR, '.next/server/app-paths-manifest.json'), 'utf8'));
    expect(appPaths).toHaveProperty(['/api/webhooks/armalo/route']);
    expect(appPaths).toHaveProperty(['/api/webhooks/armalo-edge/route']);
    const pages = JSON.parse(readFileSync(join(EXAMPLE_DIR, '.next/server/pages-manifest.json'), 'utf8'));
    expect(pages).toHaveProperty(['/api/webhooks/armalo-pages']);
    expect(buildOutput.join('\n')).toMatch(/\/api\/webhooks\/armalo-edge/);
  });

  it('bundles the Web Crypto backend into the Edge function and nothing Node-only of ours', () => {
    const manifest = JSON.parse(readFileSync(join(EXAMPLE_DIR, '.next/server/middleware-manifest.json'), 'utf8'));
    const files: string[] = manifest.functions['/api/webhooks/armalo-edge/route'].files;
    const chunks = files.filter((file) => file.startsWith('server/edge/'));
    expect(chunks.length).toBeGreaterThan(0);
    const code = chunks.map((file) => readFileSync(join(EXAMPLE_DIR, '.next', file), 'utf8')).join('\n');
    // Next's Edge runtime itself provides node:async_hooks and node:buffer; nothing else may appear.
    const nodeModules = new Set(code.match(/\bnode:[a-z_/]+/g) ?? []);
    for (const name of nodeModules) expect(['node:async_hooks', 'node:buffer']).toContain(name);
    expect(code).toContain('crypto.subtle');
    expect(code).not.toMatch(/createHmac|timingSafeEqual|createSecretKey/);
    // The source maps name every module in the function: ours must be the Edge-safe ones.
    const allSources = readdirSync(join(EXAMPLE_DIR, '.next/server/edge/chunks'))
      .filter((file) => chunks.some((chunk) => chunk.endsWith(file.replace(/\.map$/, ''))) && file.endsWith('.map'))
      .flatMap((file) => {
        const map = JSON.parse(readFileSync(join(EXAMPLE_DIR, '.next/server/edge/chunks', file), 'utf8'));
        return (map.sources ?? []) as string[];
      });
    // raw-body (a Node-only dependency of core) would come from node_modules.
    expect(allSources.filter((source) => /raw-body|iconv-lite|unpipe/.test(source))).toEqual([]);
    const sources = allSources.filter((source) => source.includes('packages/'));
    expect(sources).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/packages\/core\/src\/verify\/crypto\/web\.ts$/),
        expect.stringMatching(/packages\/core\/src\/exchange\/read-web-stream\.ts$/),
        expect.stringMatching(/packages\/next\/src\/route-handler\.ts$/),
      ]),
    );
    for (const source of sources) {
      expect(source).not.toMatch(/crypto\/node|core\/src\/node\/|core\/src\/testing\/|next\/src\/pages\//);
      // `#node-body` resolves to read-node-stream.edge.ts there, never to the Node stream reader.
      expect(source).not.toMatch(/exchange\/read-node-stream\.ts$/);
    }
  });
});

for (const route of ROUTES) {
  const cases = DEFAULT_CASES.filter((c) => c.consumed === undefined || route.parsed !== undefined);
  describe(`next start e2e: ${route.name} (${route.path})`, () => {
    it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, testCase) => {
      await runCase(route, testCase);
    });

    if (route.streamsBody) {
      it('refuses a chunked body as soon as it crosses 1 MiB, before the body has ended, and closes', async () => {
        const from = running().output.length;
        // Exactly one byte past the limit, then the client waits without ending the body: an
        // answer can only come from a server that enforces the limit while reading. Sending no
        // more than that also means the server has read everything sent when it closes, so the
        // answer cannot be lost to a reset connection.
        const answer = await postChunked(`${running().baseUrl}${route.path}`, oversizedBody().subarray(0, LIMIT + 1), {
          end: false,
        });
        expect(answer.headers.connection).toBe('close');
        expect(answer.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: LIMIT } });
        expect(await callsSince(route, route.id, from)).toEqual([]);
      });
    } else {
      it('refuses a chunked body over 1 MiB', async () => {
        const from = running().output.length;
        const answer = await postChunked(`${running().baseUrl}${route.path}`, oversizedBody(), { end: true });
        expect(answer.body).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { limit: LIMIT } });
        expect(await callsSince(route, route.id, from)).toEqual([]);
      });
    }
  });
}

describe('next start e2e: Pages Router route without bodyParser: false', () => {
  it('answers RAW_BODY_UNAVAILABLE with details.fix naming the config fix, and runs no handler', async () => {
    const delivery = createSignedDelivery('eval.completed', sampleData('eval.completed'), { secret: SECRET });
    sent.push(delivery.signature);
    const from = running().output.length;
    const answer = await sendHttp(`${running().baseUrl}/api/webhooks/forgot-body-parser-config`, {
      method: 'POST',
      headers: delivery.headers,
      body: Buffer.from(delivery.body),
    });
    const body = answer.body as { code: string; details: { fix: string } };
    expect(body.code).toBe('RAW_BODY_UNAVAILABLE');
    expect(body.details.fix).toMatch(PAGES_FIX);
    const pages = ROUTES.find((route) => route.id === 'pages') as Route;
    expect(await callsSince(pages, 'pages-misconfigured', from)).toEqual([]);
  });
});

describe('next start output', () => {
  it('never contains the secret or a received signature', () => {
    expect(sent.length).toBeGreaterThan(50);
    const output = running().output.join('\n').toLowerCase();
    for (const secret of SECRETS) expect(output).not.toContain(secret.toLowerCase());
    for (const signature of sent) expect(output).not.toContain(signature);
  });
});
