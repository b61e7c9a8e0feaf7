// A Hono server for Bun and Deno (run as `bun runtime-server.ts` or `deno run --allow-net
// runtime-server.ts`): the conformance fixtures mounted in that runtime, driven over HTTP.
//   POST /__mount { setup, first }  a fresh fixture for the next case
//   GET  /__state                   the handler calls and logs recorded so far
//   anything else                   the Hono app with the webhook route
import type { Hono } from 'hono';
import { createFixture, type Fixture, type Setup } from '../conformance/fixture.js';
import { type BodyFirst, buildApp } from './app.js';

let fixture: Fixture | undefined;
let app: Hono | undefined;

async function control(request: Request): Promise<Response> {
  const { pathname } = new URL(request.url);
  if (pathname === '/__mount') {
    const { setup, first } = (await request.json()) as { setup: Setup; first: BodyFirst };
    fixture = createFixture(setup);
    app = buildApp(fixture.receiver, first);
    return Response.json({ ok: true });
  }
  if (pathname === '/__state') return Response.json({ calls: fixture?.calls ?? [], logs: fixture?.logs ?? [] });
  return app === undefined ? new Response('no fixture mounted', { status: 503 }) : app.fetch(request);
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
