import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningServer, runtimes, runtimeVersion, startServer } from '../runtimes/binaries.js';
import { checkExample } from '../runtimes/example-checks.js';

const DIR = fileURLToPath(new URL('../../examples/hono/', import.meta.url));
const SECRET = 'whsec_hono_example';
const TSX = pathToFileURL(`${DIR}node_modules/tsx/dist/loader.mjs`).href;

// The example as its README runs it: src/node.ts with tsx, src/serve.ts under Bun and under Deno.
const ways = [
  { name: `node ${process.version}`, command: () => process.execPath, args: ['--import', TSX, 'src/node.ts'] },
  { name: runtimeVersion('bun'), command: runtimes.bun, args: ['src/serve.ts'] },
  { name: runtimeVersion('deno'), command: runtimes.deno, args: ['run', '--allow-net', '--allow-env', 'src/serve.ts'] },
];

for (const way of ways) {
  describe.runIf(way.name !== undefined)(`examples/hono on ${way.name}`, () => {
    let server: RunningServer | undefined;
    beforeAll(async () => {
      server = await startServer(way.command(), way.args, {
        cwd: DIR,
        env: { PORT: '0', ARMALO_WEBHOOK_SECRET: SECRET },
      });
    });
    afterAll(() => server?.stop());

    it('verifies, deduplicates, refuses a tampered copy and answers 405 to other methods', async () => {
      await checkExample(`${server?.url}/webhooks/armalo`, SECRET, () => server?.output() ?? '');
    });
  });
}
