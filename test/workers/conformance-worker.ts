// A Worker that mounts the conformance fixtures, bundled for workerd like any Worker:
//   POST /__mount { setup, adapter, bodyAlreadyParsed }  a fresh fixture for the next case, served by
//        core's fetch handler or by the Hono adapter
//   GET  /__state  the handler calls and logs recorded so far
import { createFetchHandler } from '@armalo-webhooks/core/fetch';
import { createFixture, type Fixture, type Setup } from '../conformance/fixture.js';
import { buildApp } from '../hono/app.js';

let fixture: Fixture | undefined;
let handle: ((request: Request) => Promise<Response>) | undefined;

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/__mount') {
      const mount = (await request.json()) as { setup: Setup; adapter: 'fetch' | 'hono'; bodyAlreadyParsed: boolean };
      fixture = createFixture(mount.setup);
      if (mount.adapter === 'hono') {
        const app = buildApp(fixture.receiver, mount.bodyAlreadyParsed ? 'json' : 'nothing');
        handle = async (req) => app.fetch(req);
      } else {
        const core = createFetchHandler(fixture.receiver);
        // A body already parsed: the Worker read request.json() before handing the request on.
        handle = async (req) => {
          if (mount.bodyAlreadyParsed) await req.json();
          return core(req);
        };
      }
      return Response.json({ ok: true });
    }
    if (pathname === '/__state') return Response.json({ calls: fixture?.calls ?? [], logs: fixture?.logs ?? [] });
    return handle === undefined ? new Response('no fixture mounted', { status: 503 }) : handle(request);
  },
};
