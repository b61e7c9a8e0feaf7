import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { type RunningServer, startServer } from '../runtimes/binaries.js';
import { checkExample } from '../runtimes/example-checks.js';

const DIR = fileURLToPath(new URL('../../examples/koa/', import.meta.url));
const SECRET = 'whsec_koa_example';

describe('examples/koa', () => {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    const tsx = pathToFileURL(`${DIR}node_modules/tsx/dist/loader.mjs`).href;
    server = await startServer(process.execPath, ['--import', tsx, 'src/server.ts'], {
      cwd: DIR,
      env: { PORT: '0', ARMALO_WEBHOOK_SECRET: SECRET },
    });
  });
  afterAll(() => server?.stop());

  it('verifies, deduplicates, refuses a tampered copy and answers 405 to other methods', async () => {
    await checkExample(`${server?.url}/webhooks/armalo`, SECRET, () => server?.output() ?? '');
  });
});
