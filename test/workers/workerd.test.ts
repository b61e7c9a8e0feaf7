import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { remoteTarget } from '../conformance/remote-target.js';
import { defineConformanceSuite } from '../conformance/run.js';
import { CONSUMES as HONO_CONSUMES, RAW_BODY_FIX as HONO_RAW_BODY_FIX } from '../hono/app.js';
import { runtimeVersion } from '../runtimes/binaries.js';
import { checkExample } from '../runtimes/example-checks.js';
import { type RunningWorker, startWorker } from './workerd.js';

const version = runtimeVersion('workerd');
const file = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/** What must never be in a Worker bundle: Node built-ins (there is no nodejs_compat) or raw-body. */
function expectEdgeBundle(bundle: string): void {
  expect(bundle).not.toMatch(/["']node:[a-z_/]+["']/);
  expect(bundle).not.toContain('node:crypto');
  expect(bundle).not.toMatch(/raw-body|getRawBody/);
  expect(bundle).toContain('crypto.subtle');
}

describe.runIf(version !== undefined)(`Cloudflare Workers: ${version}`, () => {
  describe('examples/cloudflare-worker, with the secret as a binding', () => {
    const SECRET = 'whsec_worker_example';
    let worker: RunningWorker | undefined;
    beforeAll(async () => {
      worker = await startWorker(file('../../examples/cloudflare-worker/src/worker.ts'), {
        ARMALO_WEBHOOK_SECRET: SECRET,
      });
    });
    afterAll(() => worker?.stop());

    it('bundles core with its Web Crypto backend: no node: import, no raw-body', () => {
      expectEdgeBundle(worker?.bundle ?? '');
    });

    it('verifies, deduplicates, refuses a tampered copy and answers 405 to other methods', async () => {
      await checkExample(`${worker?.url}/webhooks/armalo`, SECRET, () => worker?.output() ?? '');
    });
  });

  describe('the conformance table in workerd', () => {
    let worker: RunningWorker | undefined;
    beforeAll(async () => {
      worker = await startWorker(file('./conformance-worker.ts'));
    });
    afterAll(() => worker?.stop());

    it('the conformance Worker bundle has no node: import and no raw-body either', () => {
      expectEdgeBundle(worker?.bundle ?? '');
    });

    // workerd hands a Worker its Request unread; the body is lost only by the Worker's own code
    // reading it before the adapter (the Worker itself, or a Hono middleware on the route).
    const adapters = {
      fetch: {
        name: 'core/fetch createFetchHandler',
        consumes: {
          parsed: 'the Worker called request.json() first',
          drained: 'the Worker called request.arrayBuffer() first',
        },
        rawBodyFix: /do not call request\.json\(\)/,
      },
      hono: { name: 'hono armaloWebhooks', consumes: HONO_CONSUMES, rawBodyFix: HONO_RAW_BODY_FIX },
    };
    for (const [adapter, { name, consumes, rawBodyFix }] of Object.entries(adapters)) {
      defineConformanceSuite(`${name} in workerd`, {
        consumes,
        rawBodyFix,
        mount: remoteTarget(
          () => worker?.url ?? '',
          '/webhooks/armalo',
          ({ setup, consumed }) => ({ setup, adapter, consumed }),
        ),
      });
    }
  });
});
