// `pnpm bench` entry point. Runs each section in turn, prints a table of medians and ratios, and
// writes the rows as JSON (and, after a full run, the results block of docs/benchmarks.md).
//
//   node src/run.js [--quick] [--only micro,http,...] [--skip next,...] [--out path] [--no-docs]
//   node src/run.js --docs-from results/latest.json   (rewrite the docs block only)
//
// Sections: micro, http, express, fastify, next, stores, inbox, memory, instructions. express/fastify/next/stores come
// from optional modules (http-express.js, http-fastify.js, next.js, stores.js) imported when
// present; see README.md for the row shape they return.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { meets } from './stats.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const BENCH = join(HERE, '..');
const ROOT = join(BENCH, '..');

const args = process.argv.slice(2).filter((arg) => arg !== '--');
const flag = (name) => args.includes(`--${name}`);
const option = (name) => {
  const inline = args.find((arg) => arg.startsWith(`--${name}=`));
  if (inline) return inline.slice(name.length + 3);
  const index = args.indexOf(`--${name}`);
  return index !== -1 ? args[index + 1] : undefined;
};
const list = (value) => (value ? value.split(',').map((s) => s.trim()) : undefined);

const quick = flag('quick');
const only = list(option('only'));
const skip = list(option('skip')) ?? [];
const out = option('out') ?? join(BENCH, 'results', quick ? 'quick.json' : 'latest.json');
const writeDocs = !quick && !flag('no-docs') && only === undefined;

const SECTIONS = [
  { id: 'micro', module: './micro.js', fn: 'runMicroBench' },
  { id: 'http', module: './http.js', fn: 'runHttpBench' },
  { id: 'express', module: './http-express.js', fn: 'runExpressBench', optional: true },
  { id: 'fastify', module: './http-fastify.js', fn: 'runFastifyBench', optional: true },
  { id: 'next', module: './next.js', fn: 'runNextBench', optional: true },
  { id: 'stores', module: './stores.js', fn: 'runStoreBench', optional: true },
  { id: 'inbox', module: './inbox.js', fn: 'runInboxBench', optional: true },
  { id: 'memory', module: './memory.js', fn: 'runMemoryBench' },
  { id: 'instructions', module: './instructions.js', fn: 'runInstructionBench', optional: true },
];

const log = (line) => process.stderr.write(`[bench ${elapsed()}] ${line}\n`);
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(0)}s`;

function machine() {
  let cpu = os.cpus()[0]?.model ?? 'unknown';
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    if (match) cpu = match[1].trim();
  } catch {
    // Not Linux: os.cpus() is good enough.
  }
  return {
    cpu,
    nproc: typeof os.availableParallelism === 'function' ? os.availableParallelism() : os.cpus().length,
    memoryGiB: Number((os.totalmem() / 1024 ** 3).toFixed(1)),
    node: process.version,
    v8: process.versions.v8,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    loadavgAtStart: os.loadavg().map((n) => Number(n.toFixed(2))),
  };
}

function versions() {
  const names = [
    '@armalo-webhooks/core',
    '@armalo-webhooks/express',
    '@armalo-webhooks/fastify',
    '@armalo-webhooks/next',
    '@armalo-webhooks/redis',
    '@armalo-webhooks/postgres',
    '@octokit/webhooks',
    '@octokit/webhooks-methods',
    'stripe',
    'standardwebhooks',
    'zod',
    'express',
    'fastify',
    'mitata',
    'autocannon',
    'ioredis',
    'pg',
  ];
  const found = {};
  for (const name of names) {
    try {
      found[name] = JSON.parse(readFileSync(join(BENCH, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      // Not installed: left out.
    }
  }
  return found;
}

/**
 * Rows from section results that predate the row shape: `{ summary: { [name]: { rps, ratio, ... } } }`
 * (throughput per variant, the first one the baseline) and `[{ bytes, candidates: [{ name, wallNs,
 * cpuNs }] }]` (time per request, the first candidate the baseline). Anything else gives no rows.
 */
function legacyRows(section, result) {
  if (result?.summary && typeof result.summary === 'object') {
    const entries = Object.entries(result.summary);
    const [baseName] = entries[0] ?? [];
    return entries.map(([name, s], i) => ({
      group: section,
      name,
      value: s.rps ?? s.value,
      unit: 'req/s',
      better: 'higher',
      ...(i === 0 ? {} : { baseline: baseName, ratio: s.medianRoundRatio ?? s.ratio }),
      ...(s.cpuPerRequestUs === undefined ? {} : { cpuPerRequestUs: s.cpuPerRequestUs }),
      note: [
        s.cpuPerRequestUs === undefined ? '' : `server CPU ${s.cpuPerRequestUs.toFixed(1)} µs/req`,
        result.seconds ? `${result.connections} connections x ${result.seconds} s, ${result.rounds} round(s)` : '',
      ]
        .filter(Boolean)
        .join('; '),
    }));
  }
  if (Array.isArray(result) && result.some((entry) => Array.isArray(entry?.candidates))) {
    return result.flatMap((entry) =>
      entry.candidates.map((c, i) => ({
        group: `${section}${entry.bytes ? ` ${entry.bytes} B` : ''}`,
        name: c.name,
        value: c.wallNs ?? c.value,
        unit: 'ns',
        ...(i === 0
          ? {}
          : { baseline: entry.candidates[0].name, ratio: (c.wallNs ?? c.value) / (entry.candidates[0].wallNs ?? 1) }),
        ...(c.cpuNs === undefined ? {} : { note: `CPU ${(c.cpuNs / 1000).toFixed(1)} µs/request` }),
      })),
    );
  }
  return [];
}

/** Accepts whatever a section returns: an array of rows, or { rows }; keeps rows with a name. */
function normalize(section, result) {
  let rows = Array.isArray(result) ? result : Array.isArray(result?.rows) ? result.rows : [];
  if (!rows.some((row) => typeof row?.name === 'string' && row.value !== undefined)) {
    const legacy = legacyRows(section, result);
    if (legacy.length > 0) rows = legacy;
  }
  return rows
    .filter((row) => row && typeof row === 'object' && typeof row.name === 'string')
    .map((row) => {
      const normalized = { section, group: section, ...row };
      if (typeof normalized.value !== 'number') normalized.value = Number(normalized.value);
      if (normalized.met === undefined && normalized.target !== undefined && !normalized.skipped) {
        const subject = normalized.targetOn === 'value' ? normalized.value : normalized.ratio;
        const met = meets(subject, normalized.target);
        if (met !== undefined) normalized.met = met;
      }
      return normalized;
    });
}

async function runSection(section) {
  const file = join(HERE, section.module);
  if (!existsSync(file)) {
    if (section.optional) {
      log(`${section.id}: ${section.module} not present, skipped`);
      return [
        { group: section.id, name: `${section.id} benchmarks`, value: Number.NaN, skipped: 'module not present' },
      ];
    }
    throw new Error(`missing ${file}`);
  }
  log(`${section.id}: start`);
  try {
    const mod = await import(pathToFileURL(file).href);
    const fn = mod[section.fn] ?? mod.default;
    if (typeof fn !== 'function') throw new Error(`${section.module} exports no ${section.fn}()`);
    const rows = normalize(section.id, await fn({ quick, log: (line) => log(line) }));
    log(`${section.id}: done, ${rows.length} rows`);
    return rows;
  } catch (error) {
    log(`${section.id}: failed: ${error?.stack ?? error}`);
    return [
      {
        section: section.id,
        group: section.id,
        name: `${section.id} benchmarks`,
        value: Number.NaN,
        skipped: `failed: ${error?.message ?? String(error)}`,
      },
    ];
  }
}

export function formatValue(row) {
  const { value, unit } = row;
  if (typeof value !== 'number' || Number.isNaN(value)) return '-';
  if (unit === 'ns') {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)} ms`;
    if (value >= 1e3) return `${(value / 1e3).toFixed(2)} µs`;
    return `${value.toFixed(0)} ns`;
  }
  if (unit === 'req/s') return `${Math.round(value).toLocaleString('en-US')} req/s`;
  const magnitude = Math.abs(value);
  const text =
    magnitude >= 100
      ? value.toFixed(0)
      : magnitude >= 10
        ? value.toFixed(1)
        : magnitude >= 0.1 || magnitude === 0
          ? value.toFixed(2)
          : value.toPrecision(2);
  return `${text}${unit ? ` ${unit}` : ''}`;
}

const formatRatio = (row) =>
  typeof row.ratio === 'number' && Number.isFinite(row.ratio) ? `${row.ratio.toFixed(2)}x` : '';
const formatMet = (row) => (row.skipped ? 'skipped' : row.met === true ? 'met' : row.met === false ? 'MISSED' : '');

function groups(rows) {
  const byGroup = new Map();
  for (const row of rows) {
    const list = byGroup.get(row.group) ?? [];
    list.push(row);
    byGroup.set(row.group, list);
  }
  return byGroup;
}

function textTable(rows) {
  const lines = [];
  for (const [group, list] of groups(rows)) {
    lines.push('', `== ${group}`);
    const width = Math.min(78, Math.max(...list.map((r) => r.name.length)));
    for (const row of list) {
      const target = row.target ? `target ${row.target}` : '';
      const extra = row.skipped ? `(${row.skipped})` : '';
      lines.push(
        `  ${row.name.padEnd(width)}  ${formatValue(row).padStart(14)}  ${formatRatio(row).padStart(7)}  ${target.padEnd(16)} ${formatMet(row)} ${extra}`.trimEnd(),
      );
    }
  }
  return lines.join('\n');
}

function markdownTables(rows) {
  const parts = [];
  for (const [group, list] of groups(rows)) {
    parts.push(`#### ${group}`, '', '| | median | ratio | target | |', '| --- | ---: | ---: | --- | --- |');
    for (const row of list) {
      const cells = [
        row.name,
        row.skipped ? `skipped: ${row.skipped}` : formatValue(row),
        formatRatio(row),
        row.target ?? '',
        formatMet(row),
      ].map((cell) => String(cell).replaceAll('|', '\\|'));
      parts.push(`| ${cells.join(' | ')} |`);
    }
    const baselines = [
      ...new Set(list.filter((row) => row.ratio !== undefined && row.baseline).map((r) => r.baseline)),
    ];
    const notes = [...new Set(list.map((row) => row.note).filter(Boolean))];
    if (baselines.length > 0 || notes.length > 0) parts.push('');
    if (baselines.length > 0) parts.push(`- ratios against: ${baselines.join('; ')}`);
    for (const note of notes) parts.push(`- ${note}`);
    parts.push('');
  }
  return parts.join('\n');
}

function updateDocs(report) {
  const file = join(ROOT, 'docs', 'benchmarks.md');
  if (!existsSync(file)) return false;
  const text = readFileSync(file, 'utf8');
  const start = '<!-- bench:results:start -->';
  const end = '<!-- bench:results:end -->';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b === -1 || b < a) return false;
  const m = report.machine;
  const block = [
    start,
    '',
    `Generated by \`pnpm bench\` on ${report.generatedAt.slice(0, 10)} in ${report.durationSeconds} s.`,
    `Machine: ${m.cpu}, ${m.nproc} CPUs, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node} (V8 ${m.v8}),`,
    `load average at start ${m.loadavgAtStart.join(' / ')}.`,
    '',
    `Versions: ${Object.entries(report.versions)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}.`,
    '',
    markdownTables(report.rows),
    end,
  ].join('\n');
  writeFileSync(file, text.slice(0, a) + block + text.slice(b + end.length));
  // Keep `pnpm lint` clean: let the repository's formatter lay out the generated tables.
  const biome = join(ROOT, 'node_modules', '.bin', 'biome');
  if (existsSync(biome)) spawnSync(biome, ['format', '--write', file], { stdio: 'ignore' });
  return true;
}

async function main() {
  const report = {
    generatedAt: new Date().toISOString(),
    mode: quick ? 'quick' : 'full',
    command: `pnpm bench${quick ? ' --quick' : ''}`,
    machine: machine(),
    versions: versions(),
    rows: [],
  };
  log(`${report.mode} run on ${report.machine.cpu} x${report.machine.nproc}, Node ${report.machine.node}`);
  for (const section of SECTIONS) {
    if (only && !only.includes(section.id)) continue;
    if (skip.includes(section.id)) continue;
    report.rows.push(...(await runSection(section)));
  }
  report.durationSeconds = Math.round((Date.now() - started) / 1000);
  report.machine.loadavgAtEnd = os.loadavg().map((n) => Number(n.toFixed(2)));

  process.stdout.write(`${textTable(report.rows)}\n`);
  const targets = report.rows.filter((row) => row.target !== undefined);
  const missed = targets.filter((row) => row.met === false);
  process.stdout.write(
    `\n${targets.length - missed.length}/${targets.length} targets met` +
      (missed.length > 0 ? `; missed: ${missed.map((row) => `${row.group}: ${row.name}`).join('; ')}` : '') +
      `\n${report.mode} run, ${report.durationSeconds} s, load average ${report.machine.loadavgAtStart.join('/')} at start\n`,
  );

  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, `${JSON.stringify(report, null, 2)}\n`);
  log(`wrote ${out}`);
  if (writeDocs && updateDocs(report)) log('updated docs/benchmarks.md');
}

const docsFrom = option('docs-from');
if (docsFrom) {
  // Rewrites the docs block from a results file, without running anything.
  const report = JSON.parse(readFileSync(docsFrom, 'utf8'));
  log(updateDocs(report) ? `updated docs/benchmarks.md from ${docsFrom}` : 'docs/benchmarks.md has no results block');
} else {
  await main();
}
