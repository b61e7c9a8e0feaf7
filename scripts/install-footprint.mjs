#!/usr/bin/env node
// @ts-check
// `node scripts/install-footprint.mjs [package]`: what `npm install <package>` (default: the CLI,
// armalo-webhooks) puts on disk, as a user gets it from the registry. Every workspace package is
// packed (`pnpm pack`, so `workspace:` ranges become real ones) and installed into an empty project
// with npm; the workspace's own packages come from those tarballs (npm `overrides`), everything else
// from the registry. Prints the packages installed (every package.json under node_modules that
// names a package, the root one excluded) and their size on disk (`du -sb node_modules`). Expects a
// build (`pnpm build`).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const wanted = process.argv[2] ?? 'armalo-webhooks';
const scratch = mkdtempSync(join(tmpdir(), 'armalo-footprint-'));

try {
  const tarballs = join(scratch, 'tarballs');
  /** @type {Record<string, string>} */
  const local = {};
  for (const name of readdirSync(join(root, 'packages'))) {
    const dir = join(root, 'packages', name);
    if (!existsSync(join(dir, 'package.json'))) continue;
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    if (manifest.private === true) continue;
    const { stdout } = await run('pnpm', ['pack', '--pack-destination', tarballs], { cwd: dir });
    const file = stdout.trim().split('\n').at(-1) ?? '';
    local[manifest.name] = `file:${file.startsWith('/') ? file : join(tarballs, file)}`;
  }
  if (local[wanted] === undefined) throw new Error(`${wanted} is not a package of this workspace`);
  const project = join(scratch, 'project');
  await run('mkdir', ['-p', project]);
  writeFileSync(
    join(project, 'package.json'),
    JSON.stringify({ name: 'footprint', private: true, dependencies: { [wanted]: local[wanted] }, overrides: local }),
  );
  await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', '--loglevel=error'], {
    cwd: project,
    maxBuffer: 16 * 1024 * 1024,
  });
  const packages = await countPackages(join(project, 'node_modules'));
  const { stdout: du } = await run('du', ['-sb', join(project, 'node_modules')]);
  const bytes = Number(du.split('\t')[0]);
  console.log(`npm install ${wanted}: ${packages.length} packages, ${(bytes / 1e6).toFixed(1)} MB on disk`);
  if (process.argv.includes('--list')) for (const name of packages.sort()) console.log(`  ${name}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

/** @param {string} dir @returns {Promise<string[]>} */
async function countPackages(dir) {
  const { stdout } = await run('find', [dir, '-name', 'package.json', '-not', '-path', '*/.bin/*'], {
    maxBuffer: 64 * 1024 * 1024,
  });
  const names = new Set();
  for (const file of stdout.split('\n')) {
    // A package's own manifest sits at node_modules/<name>/package.json or node_modules/@scope/<name>/package.json.
    const match = /node_modules\/((?:@[^/]+\/)?[^/@][^/]*)\/package\.json$/.exec(file);
    if (match === null) continue;
    const manifest = JSON.parse(readFileSync(file, 'utf8'));
    if (typeof manifest.name === 'string' && typeof manifest.version === 'string') {
      names.add(`${manifest.name}@${manifest.version} ${file.slice(dir.length)}`);
    }
  }
  return [...names];
}
