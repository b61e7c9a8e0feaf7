import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { afterEach, describe, expect, it } from 'vitest';

const exampleDir = fileURLToPath(new URL('../../examples/express/', import.meta.url));
const tsx = fileURLToPath(new URL('../../examples/express/node_modules/tsx/dist/cli.mjs', import.meta.url));
const SECRET = 'whsec_example_test';

let child: ChildProcess | undefined;
afterEach(() => {
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  child = undefined;
});

/** Runs the example the way `pnpm --filter @examples/express start` does (tsx src/server.ts). */
function start(env: Record<string, string>) {
  // The example's inbox is PGlite unless DATABASE_URL names a server: these runs use PGlite.
  const { ARMALO_WEBHOOK_SECRET: _unset, PORT: _unsetPort, DATABASE_URL: _server, ...inherited } = process.env;
  const proc = spawn(process.execPath, [tsx, 'src/server.ts'], { cwd: exampleDir, env: { ...inherited, ...env } });
  child = proc;
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk;
  });
  proc.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = once(proc, 'exit').then(([code]) => code as number | null);
  const listening = new Promise<string>((resolve, reject) => {
    proc.stdout.on('data', () => {
      const match = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (match?.[1]) resolve(match[1]);
    });
    void exited.then((code) => reject(new Error(`example exited (${code}) before listening: ${stderr}`)));
  });
  // Only the test that waits for it cares; the first test expects the exit.
  listening.catch(() => {});
  return { proc, exited, listening, output: () => ({ stdout, stderr }) };
}

describe('examples/express', () => {
  it('refuses to start without ARMALO_WEBHOOK_SECRET, saying so', async () => {
    const run = start({});
    expect(await run.exited).toBe(1);
    expect(run.output().stderr).toMatch(/^ARMALO_WEBHOOK_SECRET is not set\./);
  });

  it('listens on 127.0.0.1, stores a signed delivery in its PGlite inbox, its worker handles it, and closes on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'armalo-example-express-'));
    const run = start({ ARMALO_WEBHOOK_SECRET: SECRET, PORT: '0', ARMALO_INBOX_DIR: dir });
    const base = await run.listening;
    expect(run.output().stdout).toContain(`inbox: PGlite in ${dir}`);

    expect(await (await fetch(`${base}/health`)).json()).toEqual({ ok: true });

    const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const delivered = await fetch(`${base}/webhooks/armalo`, { method: 'POST', headers, body });
    expect(delivered.status).toBe(200);
    expect(await delivered.json()).toEqual({ ok: true, queued: true });
    const again = await fetch(`${base}/webhooks/armalo`, { method: 'POST', headers, body });
    expect(await again.json()).toEqual({ ok: true, duplicate: true });

    const forged = await fetch(`${base}/webhooks/armalo`, {
      method: 'POST',
      headers: { ...headers },
      body: `${body} `,
    });
    expect(forged.status).toBe(401);

    const note = await fetch(`${base}/api/notes`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'hello' }),
    });
    expect(note.status).toBe(201);
    expect(await note.json()).toEqual({ note: { text: 'hello', length: 5 } });

    let deliveries: unknown[] = [];
    for (let i = 0; i < 100 && deliveries.length === 0; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      ({ deliveries } = (await (await fetch(`${base}/api/deliveries`)).json()) as { deliveries: unknown[] });
    }
    expect(deliveries).toEqual([
      expect.objectContaining({ event: 'score.changed', summary: 'YOUR_AGENT_ID: 847 -> 862 (gold)' }),
    ]);

    run.proc.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    expect(run.output().stdout).toContain('SIGTERM received, closing');
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
