import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { EVENT_NAMES } from '@armalo-webhooks/core';
import { expect, it } from 'vitest';

const DEMO = fileURLToPath(new URL('../../scripts/demo.mjs', import.meta.url));
const DEADLINE_MS = 120_000;

// `pnpm test` builds first; the demo script itself only checks that the build is there.
it(
  'pnpm demo: the 22 events, a duplicate and a tampered delivery; then a SIGKILL right after acknowledging, a restart, and every acknowledged delivery handled exactly once',
  async () => {
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const child = spawn(process.execPath, [DEMO], {
          stdio: ['ignore', 'pipe', 'pipe'],
          // SIGINT lets the demo stop the server it started before it goes.
          timeout: DEADLINE_MS,
          killSignal: 'SIGINT',
        });
        let out = '';
        let err = '';
        child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
          out += chunk;
        });
        child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
          err += chunk;
        });
        child.once('error', reject);
        child.once('close', (exitCode) => resolve({ code: exitCode, stdout: out, stderr: err }));
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = stdout.split('\n').filter((line) => /^\s*\d+ {2}/.test(line));
    expect(rows).toHaveLength(EVENT_NAMES.length + 2);
    EVENT_NAMES.forEach((name, index) => {
      expect(rows[index]).toMatch(
        new RegExp(`^\\s*${index + 1} {2}${name.replace(/\./g, '\\.')} +200 +queued +[\\d.]+ ms {2}ok$`),
      );
    });
    expect(rows[EVENT_NAMES.length]).toMatch(/\(same bytes again\) +200 +duplicate +[\d.]+ ms {2}ok$/);
    expect(rows[EVENT_NAMES.length + 1]).toMatch(/\(tampered\) +401 +rejected \(INVALID_SIGNATURE\) +[\d.]+ ms {2}ok$/);
    expect(stdout).toContain(
      `${EVENT_NAMES.length + 2}/${EVENT_NAMES.length + 2} answers as expected; the worker handled ${EVENT_NAMES.length} deliveries.`,
    );
    const killed = /Killed \(SIGKILL\) with 300 acknowledged: (\d+) handled, (\d+) still queued on disk\./.exec(stdout);
    expect(killed, stdout).not.toBeNull();
    expect(Number(killed?.[1]) + Number(killed?.[2])).toBe(300);
    expect(stdout).toContain(
      'Every acknowledged delivery was handled exactly once: 300 acknowledged, 300 handled, 0 missing, 0 handled twice.',
    );
    expect(stdout).toMatch(/First start [\d.]+ s \(creates the database\), restart [\d.]+ s \(reopens it\)\./);
    expect(stdout).toContain('Server stopped.');
  },
  DEADLINE_MS + 30_000,
);
