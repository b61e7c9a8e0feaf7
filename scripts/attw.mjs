#!/usr/bin/env node
// @ts-check
// Part of `pnpm lint`: Are the Types Wrong? (@arethetypeswrong/cli) on the tarball of every
// published package, with the esm-only profile (the packages are ESM only, so the node10 and
// CommonJS-to-ESM resolutions are not checked; require(esm) is tested in test/esm-only). One
// line per clean package; attw's full table for a package with a problem. Expects a build.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const packagesDir = fileURLToPath(new URL('../packages/', import.meta.url));
// The CLI's bin (a root devDependency); its package exports no subpath to resolve it by.
const attw = fileURLToPath(new URL('../node_modules/@arethetypeswrong/cli/dist/index.js', import.meta.url));
// Two at a time: attw packs with npm and type-checks every entry point, and CI has 2 cores.
const CONCURRENCY = 2;

const packages = readdirSync(packagesDir, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => join(packagesDir, entry.name))
  .filter((dir) => {
    try {
      return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).private !== true;
    } catch {
      return false;
    }
  });

/** @param {string} dir */
async function check(dir) {
  const name = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name;
  const args = [attw, '--pack', dir, '--profile', 'esm-only', '--format', 'ascii', '--no-emoji', '--no-color'];
  try {
    await promisify(execFile)(process.execPath, args, { maxBuffer: 16 * 1024 * 1024 });
    return { name, ok: true, output: '' };
  } catch (error) {
    const { stdout = '', stderr = '' } = /** @type {{ stdout?: string, stderr?: string }} */ (error);
    return { name, ok: false, output: `${stdout}${stderr}` };
  }
}

const queue = [...packages];
const results = [];
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let dir = queue.shift(); dir !== undefined; dir = queue.shift()) results.push(await check(dir));
  }),
);
results.sort((a, b) => a.name.localeCompare(b.name));
for (const result of results) {
  if (result.ok) console.log(`attw (esm-only) ${result.name}: no problems`);
  else console.log(`attw (esm-only) ${result.name}: problems\n${result.output}`);
}
const failed = results.filter((result) => !result.ok).length;
if (failed > 0) {
  console.error(`attw: ${failed} of ${results.length} packages have type problems`);
  process.exit(1);
}
