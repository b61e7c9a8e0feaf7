// A Worker that mounts the conformance fixtures, bundled for workerd like any Worker:
//   POST /__mount { setup, adapter, consumed }  a fresh fixture for the next case, served by core's
//        fetch handler or by the Hono adapter, with the body read first the way `consumed` says
//   GET  /__state  the handler calls and logs recorded so far, and how many requests reached the
//        webhook since the mount
import { createFetchHandler } from '@armalo-webhooks/core/fetch';
import type { BodyConsumption } from '../conformance/cases.js';
import { createFixture, type Fixture, type Setup } from '../conformance/fixture.js';
import { bodyFirst, buildApp } from '../hono/app.js';

let fixture: Fixture | undefined;
let handle: ((request: Request) => Promise<Response>) | undefined;
let entered = 0;

interface Mount {
  setup: Setup;
  adapter: 'fetch' | 'hono';
  consumed?: BodyConsumption;
}

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/__mount') {
      const mount = (await request.json()) as Mount;
      fixture = createFixture(mount.setup);
      entered = 0;
      if (mount.adapter === 'hono') {
        const app = buildApp(fixture.receiver, bodyFirst(mount.consumed));
        handle = async (req) => app.fetch(req);
      } else {
        const core = createFetchHandler(fixture.receiver);
        // The Worker's own code read the body before handing the request on.
        handle = async (req) => {
          if (mount.consumed === 'parsed') await req.json();
          if (mount.consumed === 'drained') await req.arrayBuffer();
          return core(req);
        };
      }
      return Response.json({ ok: true });
    }
    if (pathname === '/__state') {
      return Response.json({ calls: fixture?.calls ?? [], logs: fixture?.logs ?? [], entered });
    }
    if (handle === undefined) return new Response('no fixture mounted', { status: 503 });
    entered++;
    return handle(request);
  },
};
