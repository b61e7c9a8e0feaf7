import { request as httpRequest } from 'node:http';
import type { BodyConsumption, WireRequest } from './cases.js';
import type { Fixture, Setup } from './fixture.js';
import type { ConformanceTarget, MountedTarget } from './run.js';
import { sendHttp } from './run.js';

/** What a remote server reports at `GET /__state`. */
interface RemoteState {
  calls: string[];
  logs: string[];
  /** Requests handed to the webhook app since the last mount. */
  entered: number;
}

/**
 * A conformance target whose fixture lives in another process (a Bun, Deno or workerd server):
 * `POST /__mount` rebuilds the case's fixture there, and after every request `GET /__state` copies
 * its handler calls and logs back into the local fixture, which the table then checks as usual.
 * `mountBody` says how that server should mount the webhook for this case (`consumed`: what reads
 * the body before the adapter). `hold` sends a body that never ends and waits until the server
 * reports the request handed to its webhook app (the local `holdHttp` watches the socket instead, which a
 * remote server does not share).
 */
export function remoteTarget(
  baseUrl: () => string,
  path: string,
  mountBody: (options: { consumed: BodyConsumption | undefined; setup: Setup }) => Record<string, unknown>,
): ConformanceTarget['mount'] {
  return async (fixture: Fixture, options): Promise<MountedTarget> => {
    const mounted = await fetch(`${baseUrl()}/__mount`, { method: 'POST', body: JSON.stringify(mountBody(options)) });
    if (!mounted.ok) throw new Error(`mount failed: ${mounted.status} ${await mounted.text()}`);
    const held: (() => void)[] = [];
    const state = async (): Promise<RemoteState> =>
      (await fetch(`${baseUrl()}/__state`)).json() as Promise<RemoteState>;
    return {
      remote: true,
      async send(request) {
        const response = await sendHttp(`${baseUrl()}${path}`, request);
        const { calls, logs } = await state();
        fixture.calls.splice(0, Infinity, ...calls);
        fixture.logs.splice(0, Infinity, ...logs);
        return response;
      },
      async hold(request) {
        const before = (await state()).entered;
        held.push(openRequest(`${baseUrl()}${path}`, request));
        const deadline = Date.now() + 10_000;
        while ((await state()).entered <= before) {
          if (Date.now() > deadline) throw new Error('the remote server never reported the held request');
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
      },
      async close() {
        for (const destroy of held.splice(0)) destroy();
      },
    };
  };
}

/** Sends the request's body without ending it; returns a function that tears the request down. */
function openRequest(url: string, request: WireRequest): () => void {
  const { hostname, port, pathname } = new URL(url);
  const req = httpRequest({ host: hostname, port, path: pathname, method: request.method, headers: request.headers });
  req.on('error', () => {});
  req.write(request.body);
  return () => req.destroy();
}
