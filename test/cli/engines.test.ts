import { cpSync, mkdirSync, mkdtempSync, realpathSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { lines, runCli, SECRET, startReceiver } from './harness.js';

const packages = fileURLToPath(new URL('../../packages/', import.meta.url));

/**
 * The CLI laid out as npm installs it into a project that has no inbox engine: the CLI's own files
 * and its dependencies (core, inspect, commander), outside the workspace, so nothing else resolves.
 * `extra` copies more workspace packages in without their dependencies.
 */
function install(extra: string[] = []): { bin: string; remove: () => void } {
  const root = mkdtempSync(join(tmpdir(), 'armalo-cli-engines-'));
  const modules = join(root, 'node_modules');
  const link = (name: string, target: string) => {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(realpathSync(target), join(modules, name));
  };
  const copy = (name: string, dir: string, parts: string[]) => {
    for (const part of ['package.json', ...parts])
      cpSync(join(dir, part), join(modules, name, part), { recursive: true });
  };
  copy('armalo-webhooks', join(packages, 'cli'), ['bin', 'dist']);
  link('@armalo-webhooks/core', join(packages, 'core'));
  link('@armalo-webhooks/inspect', join(packages, 'inspect'));
  link('commander', join(packages, 'cli/node_modules/commander'));
  for (const name of extra) copy(`@armalo-webhooks/${name}`, join(packages, name), ['dist']);
  return {
    bin: join(modules, 'armalo-webhooks/bin/armalo-webhooks.js'),
    remove: () => rmSync(root, { recursive: true, force: true }),
  };
}

describe('the CLI without inbox engines installed', () => {
  const bare = install();
  const adapterOnly = install(['pg-boss']);
  afterAll(() => {
    bare.remove();
    adapterOnly.remove();
  });

  it('sends a delivery: send needs no engine', async () => {
    const receiver = await startReceiver();
    try {
      const result = await runCli(['send', 'score.changed', '--url', receiver.url, '--secret', SECRET], {
        bin: bare.bin,
      });
      expect(result.stderr).toBe('');
      expect(result.code).toBe(0);
      expect(result.stdout).toContain('200 OK · handled');
    } finally {
      await receiver.close();
    }
  });

  it('names the package to install, in one line, when --postgres or --redis needs a missing one', async () => {
    const postgres = await runCli(['inbox', 'stats', '--postgres', 'postgres://127.0.0.1:1/x'], { bin: bare.bin });
    expect(postgres.code).toBe(1);
    expect(lines(postgres.stderr)).toEqual([
      'error: --postgres needs @armalo-webhooks/pg-boss, which is not installed: npm install @armalo-webhooks/pg-boss pg-boss pg',
    ]);
    const redis = await runCli(['dev', '--redis', 'redis://127.0.0.1:1', '--secret', SECRET, '--ui-port', '0'], {
      bin: bare.bin,
    });
    expect(redis.code).toBe(1);
    expect(lines(redis.stderr)).toEqual([
      'error: --redis needs @armalo-webhooks/bullmq, which is not installed: npm install @armalo-webhooks/bullmq bullmq',
    ]);
  });

  it('names the engine library when the adapter is there but a peer of it is not', async () => {
    const result = await runCli(['inbox', 'list', '--postgres', 'postgres://127.0.0.1:1/x'], { bin: adapterOnly.bin });
    expect(result.code).toBe(1);
    expect(lines(result.stderr)).toEqual([
      'error: --postgres needs pg, which is not installed: npm install @armalo-webhooks/pg-boss pg-boss pg',
    ]);
  });
});
