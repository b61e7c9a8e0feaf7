#!/usr/bin/env node
// @ts-check
// `pnpm release`: everything a release does except publishing, and nothing that changes the
// working tree (CI runs it and then checks `git status`). Steps:
//   1. build and lint (skipped with --skip-build-lint, as .ci/run has just run both);
//   2. the versioning check: `changeset version` in a scratch copy of the repository, which shows
//      the versions the pending changesets would give and fails when they cannot be applied;
//      then the current manifests: one version across the fixed group, a CHANGELOG.md entry for it;
//   3. the packed tarballs: no `workspace:` range left, LICENSE, README.md, CHANGELOG.md and the
//      entry points' files inside;
//   4. `pnpm -r publish --dry-run --no-git-checks`, which runs npm's own publish checks.
// docs/releasing.md says how maintainers cut a release around it.
import { execFile, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('..', import.meta.url));
const changesetBin = join(root, 'node_modules/@changesets/cli/bin.js');
const skipBuildLint = process.argv.includes('--skip-build-lint');
const run = promisify(execFile);
const failures = [];

/** Runs a command with its output on ours; rejects on a non-zero exit. */
function stream(command, args, cwd = root) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: 'inherit' });
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(undefined) : reject(new Error(`${command} ${args.join(' ')}: exit ${code}`)),
    );
  });
}

function step(title) {
  console.log(`\n== release: ${title}`);
}

/** @param {string} file */
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));

const published = readdirSync(join(root, 'packages'))
  .map((name) => join(root, 'packages', name))
  .filter((dir) => existsSync(join(dir, 'package.json')) && readJson(join(dir, 'package.json')).private !== true)
  .map((dir) => ({ dir, manifest: readJson(join(dir, 'package.json')) }));

if (!skipBuildLint) {
  step('build');
  await stream('pnpm', ['build']);
  step('lint');
  await stream('pnpm', ['lint']);
}

step('versions');
const pending = readdirSync(join(root, '.changeset')).filter((file) => file.endsWith('.md') && file !== 'README.md');
// A scratch copy: `changeset version` rewrites manifests and changelogs, which is the step a
// maintainer commits, not something a check may do to the working tree. The copy is the files
// git tracks or would track (so uncommitted changesets count), in a fresh repository because
// the changelog generator asks git which commit added each changeset.
const scratch = mkdtempSync(join(tmpdir(), 'armalo-release-'));
try {
  const { stdout: listed } = await run('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: root,
    maxBuffer: 64 * 1024 * 1024,
  });
  for (const file of listed.split('\0')) {
    if (file === '' || !existsSync(join(root, file))) continue; // deleted but not yet staged
    cpSync(join(root, file), join(scratch, file), { recursive: false });
  }
  const git = (...args) =>
    run('git', ['-c', 'user.name=release', '-c', 'user.email=release@localhost', ...args], { cwd: scratch });
  await git('init', '-q');
  await git('add', '-A');
  await git('commit', '-q', '--no-verify', '-m', 'scratch');
  if (pending.length === 0) {
    console.log('no pending changesets: the next publish would publish the current versions');
  } else {
    await run(process.execPath, [changesetBin, 'version'], { cwd: scratch });
    console.log(`${pending.length} pending changeset(s); \`pnpm changeset version\` would give:`);
    for (const { dir, manifest } of published) {
      const next = readJson(join(scratch, 'packages', dir.split('/').pop() ?? '', 'package.json')).version;
      console.log(
        `  ${manifest.name}: ${manifest.version}${next === manifest.version ? ' (unchanged)' : ` -> ${next}`}`,
      );
    }
  }
} catch (error) {
  failures.push(`changeset version failed in a scratch copy: ${error instanceof Error ? error.message : error}`);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}
// The packages are released together (`fixed` in .changeset/config.json): one version, and a
// package added to packages/ must join the group.
const fixed = new Set(readJson(join(root, '.changeset/config.json')).fixed.flat());
for (const { manifest } of published) {
  if (!fixed.has(manifest.name)) failures.push(`${manifest.name} is not in "fixed" in .changeset/config.json`);
}
const versions = new Set(published.map(({ manifest }) => manifest.version));
if (versions.size !== 1) failures.push(`the published packages disagree on their version: ${[...versions].join(', ')}`);
for (const { dir, manifest } of published) {
  const changelog = join(dir, 'CHANGELOG.md');
  if (!existsSync(changelog)) failures.push(`${manifest.name}: no CHANGELOG.md`);
  else if (!readFileSync(changelog, 'utf8').includes(`\n## ${manifest.version}\n`))
    failures.push(
      `${manifest.name}: CHANGELOG.md has no "## ${manifest.version}" entry (run \`pnpm changeset version\`)`,
    );
}
console.log(`current version of the ${published.length} published packages: ${[...versions].join(', ')}`);

step('tarballs');
const packDir = mkdtempSync(join(tmpdir(), 'armalo-pack-'));
try {
  for (const { dir, manifest } of published) {
    const { stdout } = await run('pnpm', ['pack', '--json', '--pack-destination', packDir], {
      cwd: dir,
      maxBuffer: 16 * 1024 * 1024,
    });
    const packed = JSON.parse(stdout);
    const files = new Set(packed.files.map((/** @type {{ path: string }} */ file) => file.path));
    const { stdout: packedManifest } = await run('tar', ['-xOzf', packed.filename, 'package/package.json']);
    const problems = [];
    if (packedManifest.includes('"workspace:')) problems.push('a workspace: range is left in package.json');
    for (const required of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json']) {
      if (!files.has(required)) problems.push(`${required} is missing`);
    }
    for (const target of exportTargets(manifest.exports)) {
      if (!files.has(target)) problems.push(`${target} (named in "exports") is missing`);
    }
    if (problems.length > 0) failures.push(`${manifest.name} tarball: ${problems.join('; ')}`);
    console.log(
      `${manifest.name}@${manifest.version}: ${files.size} files${problems.length > 0 ? ` PROBLEMS: ${problems.join('; ')}` : ''}`,
    );
  }
} finally {
  rmSync(packDir, { recursive: true, force: true });
}

step('publish --dry-run');
try {
  const { stdout, stderr } = await run(
    'pnpm',
    ['-r', '--filter', './packages/**', 'publish', '--dry-run', '--no-git-checks'],
    { cwd: root, maxBuffer: 64 * 1024 * 1024 },
  );
  // npm prints a file list per package; keep what would be published, and where to.
  const lines = `${stdout}\n${stderr}`.split('\n');
  const summary = [
    ...lines.filter((line) => line.startsWith('+ ')),
    ...new Set(lines.filter((line) => line.includes('Publishing to')).map((line) => line.replace(/^npm notice /, ''))),
  ];
  console.log(summary.join('\n'));
} catch (error) {
  const { stdout = '', stderr = '' } = /** @type {{ stdout?: string, stderr?: string }} */ (error);
  console.log(`${stdout}\n${stderr}`);
  failures.push('pnpm -r publish --dry-run failed (output above)');
}

if (failures.length > 0) {
  console.error(`\nrelease: not ready\n${failures.map((failure) => `  - ${failure}`).join('\n')}`);
  process.exit(1);
}
console.log(
  `\nrelease: ready. ${published.length} packages at ${[...versions].join(', ')}; publish with \`pnpm changeset publish\` (docs/releasing.md)`,
);

/**
 * Every file an "exports" map points at, without the "./" prefix.
 * @param {unknown} exports
 * @returns {string[]}
 */
function exportTargets(exports) {
  if (typeof exports === 'string') return exports.includes('*') ? [] : [exports.replace(/^\.\//, '')];
  if (exports === null || typeof exports !== 'object') return [];
  return Object.values(exports).flatMap(exportTargets);
}
