import type { Fixture, Setup } from './fixture.js';
import type { ConformanceTarget, MountedTarget } from './run.js';
import { sendHttp } from './run.js';

/**
 * A conformance target whose fixture lives in another process (a Bun, Deno or workerd server):
 * `POST /__mount` rebuilds the case's fixture there, and after every request `GET /__state` copies
 * its handler calls and logs back into the local fixture, which the table then checks as usual.
 * `mountBody` says how that server should mount the webhook for this case.
 */
export function remoteTarget(
  baseUrl: () => string,
  path: string,
  mountBody: (options: { bodyAlreadyParsed: boolean; setup: Setup }) => Record<string, unknown>,
): ConformanceTarget['mount'] {
  return async (fixture: Fixture, options): Promise<MountedTarget> => {
    const mounted = await fetch(`${baseUrl()}/__mount`, { method: 'POST', body: JSON.stringify(mountBody(options)) });
    if (!mounted.ok) throw new Error(`mount failed: ${mounted.status} ${await mounted.text()}`);
    return {
      async send(request) {
        const response = await sendHttp(`${baseUrl()}${path}`, request);
        const state = (await (await fetch(`${baseUrl()}/__state`)).json()) as { calls: string[]; logs: string[] };
        fixture.calls.splice(0, Infinity, ...state.calls);
        fixture.logs.splice(0, Infinity, ...state.logs);
        return response;
      },
      async close() {},
    };
  };
}
