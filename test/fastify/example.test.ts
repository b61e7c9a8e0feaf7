import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

const EXAMPLE_DIR = fileURLToPath(new URL('../../examples/fastify/', import.meta.url));
const TSX_LOADER = pathToFileURL(`${EXAMPLE_DIR}node_modules/tsx/dist/loader.mjs`).href;
const SECRET = 'whsec_example_smoke_test';

/** Runs the example the way `pnpm start` does (tsx), in one process so it can be stopped by pid. */
function startExample(env: Record<string, string | undefined>): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', TSX_LOADER, 'src/server.ts'], {
    cwd: EXAMPLE_DIR,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (data: Buffer) => {
    text += data.toString();
  });
  child.stderr?.on('data', (data: Buffer) => {
    text += data.toString();
  });
  return { child, output: () => text };
}

describe('examples/fastify', () => {
  let example: ReturnType<typeof startExample>;
  let base = '';

  beforeAll(async () => {
    example = startExample({ PORT: '0', ARMALO_WEBHOOK_SECRET: SECRET });
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline && example.child.exitCode === null) {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(example.output());
      if (match?.[1]) {
        base = match[1];
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`the example did not start:\n${example.output()}`);
  });

  afterAll(async () => {
    if (example.child.exitCode === null) {
      example.child.kill('SIGTERM');
      await once(example.child, 'exit');
    }
  });

  it('accepts a signed delivery, then acknowledges its retry as a duplicate', async () => {
    const d = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const post = () => fetch(`${base}/webhooks/armalo`, { method: 'POST', headers: d.headers, body: d.body });
    const first = await post();
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ ok: true });
    expect(await (await post()).json()).toEqual({ ok: true, duplicate: true });
    // Logged before the answer was written, but the pipe from the example may be read after it.
    await vi.waitFor(() => expect(example.output()).toContain('"msg":"score changed"'));
  });

  it('rejects a delivery signed with another secret', async () => {
    const d = createSignedDelivery('eval.completed', sampleData('eval.completed'), { secret: 'whsec_wrong' });
    const response = await fetch(`${base}/webhooks/armalo`, { method: 'POST', headers: d.headers, body: d.body });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { code: string }).code).toBe('INVALID_SIGNATURE');
  });

  it('keeps JSON parsing on its normal route', async () => {
    const response = await fetch(`${base}/api/echo`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(await response.json()).toEqual({ received: { hello: 'world' } });
  });

  it('exits with a message when ARMALO_WEBHOOK_SECRET is missing', async () => {
    const bare = startExample({ PORT: '0', ARMALO_WEBHOOK_SECRET: '' });
    const [code] = await once(bare.child, 'exit');
    expect(code).toBe(1);
    expect(bare.output()).toContain('Set ARMALO_WEBHOOK_SECRET');
  });
});
