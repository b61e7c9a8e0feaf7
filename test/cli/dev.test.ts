import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import { describe, expect, it } from 'vitest';
import { lines, runCli, SECRET, startDev } from './harness.js';

describe('armalo-webhooks dev', () => {
  it('needs a secret in standalone mode, and says so in one line', async () => {
    const result = await runCli(['dev', '--port', '0', '--ui-port', '0']);
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'error: missing secret: pass --secret <secret> or set ARMALO_WEBHOOK_SECRET',
    ]);
  });

  it('prints both URLs on 127.0.0.1, never the secret, and stops cleanly on SIGTERM', async () => {
    const dev = await startDev(['--port', '0', '--ui-port', '0'], { ARMALO_WEBHOOK_SECRET: SECRET });
    expect(dev.inspectorUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/[0-9a-f]{32}\/$/);
    expect(dev.receiverUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/webhooks\/armalo$/);
    expect(dev.stdout()).toContain('verifies with ARMALO_WEBHOOK_SECRET #0');
    expect(await dev.stop()).toBe(0);
    expect(dev.stdout() + dev.stderr()).not.toContain(SECRET);
    expect(dev.stdout()).toMatch(/stopped\n$/);
  });

  it('answers crafted URLs with 400 and keeps running, its standalone receiver included', async () => {
    const dev = await startDev(['--port', '0', '--ui-port', '0', '--secret', SECRET]);
    try {
      const inspector = new URL(dev.inspectorUrl);
      const token = inspector.pathname.slice(1, -1);
      // What any web page can make a browser send: <img src="http://127.0.0.1:PORT//">.
      for (const path of ['//', '/%/', '/%E0%A4%A/', `/${token}%ZZ/api/config`]) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = request({ host: inspector.hostname, port: inspector.port, path }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.once('error', reject);
          req.end();
        });
        expect([path, status]).toEqual([path, 400]);
      }
      expect((await fetch(`${dev.inspectorUrl}api/config`)).status).toBe(200);
      const sent = await runCli(['send', 'score.changed', '--url', dev.receiverUrl ?? '', '--secret', SECRET]);
      expect(sent.stdout).toContain('200 OK · handled');
    } finally {
      expect(await dev.stop()).toBe(0);
    }
  });

  it('warns when bound beyond this machine', async () => {
    const dev = await startDev(['--host', '0.0.0.0', '--port', '0', '--ui-port', '0', '--secret', SECRET]);
    await dev.stop();
    expect(dev.stderr()).toContain('warning: --host 0.0.0.0 lets other machines reach the inspector');
  });

  it('names the flag when a port is taken', async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as AddressInfo;
    try {
      const result = await runCli(['dev', '--port', '0', '--ui-port', String(port), '--secret', SECRET]);
      expect(result.code).toBe(1);
      expect(lines(result.stderr)).toEqual([
        `error: --ui-port ${port} is in use on 127.0.0.1: pick another, or 0 for any free port`,
      ]);
    } finally {
      busy.close();
    }
  });

  it('--pglite: the standalone receiver stores deliveries durably and its worker runs them; not in attached mode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'armalo-dev-pglite-'));
    try {
      const dev = await startDev(['--port', '0', '--ui-port', '0', '--secret', SECRET, '--pglite', dir]);
      expect(dev.stdout()).toContain(`inbox      pg-boss, queue armalo-webhooks in ${dir}`);
      const sent = await runCli(['send', 'score.changed', '--url', dev.receiverUrl as string, '--secret', SECRET]);
      expect(sent.stdout).toContain('queued');
      const second = await runCli(['send', 'score.changed', '--url', dev.receiverUrl as string, '--secret', SECRET]);
      expect(second.stdout).toContain('queued');
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await dev.stop()).toBe(0);
      // After dev stopped, the directory holds what it stored, handled by its worker.
      const inbox = createPgBossInbox({ pglite: dir }, { onError: false });
      try {
        const entries = await inbox.list();
        expect(entries.map((entry) => [entry.event, entry.state])).toEqual([
          ['score.changed', 'completed'],
          ['score.changed', 'completed'],
        ]);
      } finally {
        await inbox.close();
      }

      const attached = await runCli(['dev', '--forward-to', 'http://127.0.0.1:1/x', '--pglite', dir, '--ui-port', '0']);
      expect(attached.code).toBe(1);
      expect(lines(attached.stderr)).toEqual([
        'error: --pglite is for standalone mode: a PGlite directory serves one process, and in attached mode your app has it',
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
