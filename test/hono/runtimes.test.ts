import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe } from 'vitest';
import { remoteTarget } from '../conformance/remote-target.js';
import { defineConformanceSuite } from '../conformance/run.js';
import { type RunningServer, runtimes, runtimeVersion, startServer } from '../runtimes/binaries.js';
import { CONSUMES, RAW_BODY_FIX, WEBHOOK_PATH } from './app.js';

const script = fileURLToPath(new URL('./runtime-server.ts', import.meta.url));

// Each runtime runs test/hono/runtime-server.ts: the same Hono app and conformance fixtures, served
// by Bun.serve or Deno.serve. The whole table goes over HTTP; the body is lost the same ways as on
// Node.js (a middleware on the route read it first).
const servers = {
  bun: { version: runtimeVersion('bun'), args: [script] },
  // --sloppy-imports: the test sources import each other as './x.js', as tsc wants. --allow-env for
  // the two variables depd (under core's Node body reader, raw-body) reads when it loads.
  deno: {
    version: runtimeVersion('deno'),
    args: ['run', '--allow-net', '--allow-env=NO_DEPRECATION,TRACE_DEPRECATION', '--sloppy-imports', script],
  },
};

for (const [name, { version, args }] of Object.entries(servers) as [keyof typeof servers, (typeof servers)['bun']][]) {
  describe.runIf(version !== undefined)(`hono on ${version}`, () => {
    let server: RunningServer | undefined;
    beforeAll(async () => {
      server = await startServer(runtimes[name](), args);
    });
    afterAll(() => server?.stop());

    defineConformanceSuite(`hono armaloWebhooks under ${name} (real server)`, {
      consumes: CONSUMES,
      rawBodyFix: RAW_BODY_FIX,
      mount: remoteTarget(
        () => server?.url ?? '',
        WEBHOOK_PATH,
        ({ setup, consumed }) => ({ setup, consumed }),
      ),
    });
  });
}
