// A Hono server for Bun and Deno (run as `bun runtime-server.ts` or `deno run --allow-net
// runtime-server.ts`): the conformance fixtures mounted in that runtime, driven over HTTP.
//   POST /__mount { setup, consumed }  a fresh fixture for the next case, with the body lost before
//                                     the adapter the way `consumed` says (see bodyFirst)
//   GET  /__state                      the handler calls and logs recorded so far, and how many
//                                     requests reached the app since the mount
//   anything else                      the Hono app with the webhook route
import type { Hono } from 'hono';
import type { BodyConsumption } from '../conformance/cases.js';
import { createFixture, type Fixture, type Setup } from '../conformance/fixture.js';
import { bodyFirst, buildApp } from './app.js';

let fixture: Fixture | undefined;
let app: Hono | undefined;
let entered = 0;

async function control(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/__mount') {
    const { setup, consumed } = (await request.json()) as { setup: Setup; consumed?: BodyConsumption };
    fixture = createFixture(setup);
    app = buildApp(fixture.receiver, bodyFirst(consumed));
    entered = 0;
    return Response.json({ ok: true });
  }
  if (pathname === '/__state') {
    return Response.json({ calls: fixture?.calls ?? [], logs: fixture?.logs ?? [], entered });
  }
  if (app === undefined) return new Response('no fixture mounted', { status: 503 });
  entered++;
  return app.fetch(request);
}

interface Runtimes {
  Bun?: { serve(options: object): { port: number } };
  Deno?: { serve(options: object, handler: (request: Request) => Promise<Response>): unknown };
}
const { Bun, Deno } = globalThis as Runtimes;
if (Bun !== undefined) {
  const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: control });
  console.log(`listening ${server.port}`);
} else if (Deno !== undefined) {
  Deno.serve(
    { hostname: '127.0.0.1', port: 0, onListen: ({ port }: { port: number }) => console.log(`listening ${port}`) },
    control,
  );
} else {
  throw new Error('runtime-server.ts runs under Bun or Deno');
}
