// Instructions per delivery, counted by valgrind's callgrind: the judge for comparing code paths
// (issue 24). Unlike time ratios on this shared 2-core machine (which move 5-10% between runs),
// repeated counts agree within about 0.5% once the warm-up is long enough: each candidate warms
// up with 10,000 calls or requests (so TurboFan has compiled the hot code before counting starts),
// then 10,000 are counted; the figure is the median of 3 runs. Each candidate runs in its own
// process under callgrind (about 30x slower than native). Skipped when valgrind is missing.
//
//   node bench/src/instructions.js                 # receive() at 300 B and 4 KiB, HTTP servers at 300 B
//   node bench/src/instructions.js --only http     # the HTTP servers only (or --only receive)
//   node bench/src/instructions.js --runs 1        # one run per candidate instead of the median of 3
//   node bench/src/instructions.js --quick         # 300 B, 3,000 + 3,000, one run: a smoke test
//   node bench/src/instructions.js --only freshness  # only the freshness pair below (--freshness too)
//
// The freshness pair (issue 23: the guard's own cost with the memory store): receive() with the
// memory store, with and without `freshness`, on 300 B score deliveries for 200 agents, each newer
// than the last; the same warm-up and count, the median of the runs of each. Node runs
// --single-threaded there: with V8's compiler and GC threads, two runs of the same code differed by
// 2%, more than the differences the pair is for; single-threaded they agree to about 0.3%. The count
// still includes optimizing compilation (V8 is still tiering up after 10,000 calls), so compare the
// pair's two halves with each other, not with the rows above.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { countHttp, V8_FLAGS } from './instructions-http.js';
import { median } from './stats.js';

const CHILD = fileURLToPath(new URL('./instructions-child.js', import.meta.url));
const NAMES = {
  floor: 'floor: createHmac + timingSafeEqual + JSON.parse',
  stripe: 'stripe webhooks.constructEvent (verify + JSON.parse)',
  'receive-noidem': 'armalo receive(), idempotency off, no-op handler',
  'receive-memory': 'armalo receive(), memory store, unique bodies, no-op handler',
  'receive-otel-floor': 'OpenTelemetry floor: receive(), idempotency off, + one span + one histogram record (SDK)',
  'receive-otel': 'armalo receive(), idempotency off, OpenTelemetry instrument() (same SDK)',
};
const FLOOR_NAMES = {
  floor: 'the floor',
  stripe: 'stripe',
  'receive-noidem': 'OpenTelemetry off',
  'receive-otel-floor': 'the OpenTelemetry floor',
};

/** The HTTP servers (http-server.js kinds), each answering unique signed 300 B deliveries. */
export const HTTP_SERVERS = {
  bare: { name: 'bare node:http (read, verify, JSON.parse, 200)' },
  octokit: { name: '@octokit/webhooks createNodeMiddleware', style: 'octokit' },
  ours: { name: 'armalo createNodeHandler, memory store' },
  'equal-work': { name: 'equal-work hand-rolled node:http' },
  'ours-receive-only': { name: 'bare node:http read + armalo receive(), memory store' },
  'fastify-plugin': { name: 'armalo Fastify plugin, memory store' },
  'fastify-equal': { name: 'equal-work Fastify route' },
  'fastify-minimal': { name: 'minimal Fastify route (buffer parser + HMAC + JSON.parse)' },
};

// [candidate, baseline, target]: the issue-24 targets on instruction ratios.
const HTTP_RATIOS = [
  ['ours', 'octokit', '<= 0.90'],
  ['ours', 'bare', '<= 1.20'],
  ['ours', 'equal-work', '<= 1.03'],
  ['ours-receive-only', 'equal-work', undefined],
  ['fastify-plugin', 'fastify-equal', '<= 1.05'],
  ['fastify-plugin', 'fastify-minimal', '<= 1.25'],
];

const PAIR = {
  'pair-memory': 'receive() memory store',
  'pair-memory-fresh': 'receive() memory store + freshness',
};

function countReceive(candidate, bytes, warmup, calls, dir, nodeFlags = []) {
  const out = join(dir, `${candidate}-${bytes}-${process.hrtime.bigint()}.out`);
  return new Promise((resolve, reject) => {
    execFile(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${out}`,
        process.execPath,
        ...V8_FLAGS,
        ...nodeFlags,
        CHILD,
        candidate,
        String(bytes),
        String(warmup),
        String(calls),
      ],
      { maxBuffer: 16 * 1024 * 1024 },
      (error, _stdout, stderr) => {
        if (error) return reject(new Error(`${candidate} ${bytes} B: ${stderr.split('\n').slice(-5).join(' ')}`));
        const total = /^(?:summary|totals): (\d+)/m.exec(readFileSync(out, 'utf8'))?.[1];
        if (total === undefined) return reject(new Error(`${candidate}: no totals in ${out}`));
        resolve(Number(total) / calls);
      },
    );
  });
}

/** Runs `jobs` (functions returning promises) two at a time: counts do not depend on sharing CPUs. */
async function twoAtATime(jobs) {
  const results = new Array(jobs.length);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]();
    }
  };
  await Promise.all([worker(), worker()]);
  return results;
}

export async function runInstructionBench({
  quick = false,
  runs = quick ? 1 : 3,
  only = quick ? ['receive', 'http'] : ['receive', 'http', 'freshness'],
  log = console.log,
} = {}) {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    return [
      { group: 'instructions', name: 'instruction counts', value: Number.NaN, skipped: 'valgrind not installed' },
    ];
  }
  const warmup = quick ? 3_000 : 10_000;
  const calls = quick ? 3_000 : 10_000;
  const how = `warm-up ${warmup.toLocaleString('en-US')}, then ${calls.toLocaleString('en-US')} counted; median of ${runs} run(s); Node ${process.versions.node}`;
  const dir = mkdtempSync(join(os.tmpdir(), 'armalo-bench-callgrind-'));
  const rows = [];
  try {
    if (only.includes('receive')) {
      for (const bytes of quick ? [300] : [300, 4096]) {
        const ids = Object.keys(NAMES);
        log(`instructions ${bytes} B: ${ids.join(', ')} x ${runs}`);
        const jobs = ids.flatMap((id) =>
          Array.from({ length: runs }, () => () => countReceive(id, bytes, warmup, calls, dir)),
        );
        const values = await twoAtATime(jobs);
        const counts = Object.fromEntries(ids.map((id, i) => [id, median(values.slice(i * runs, (i + 1) * runs))]));
        const group = `instructions ${bytes} B`;
        const row = (id, baseline, target, note) => ({
          group,
          name: baseline ? `${NAMES[id]} vs ${FLOOR_NAMES[baseline]}` : NAMES[id],
          value: counts[id],
          unit: 'instr',
          ...(baseline ? { baseline: NAMES[baseline], ratio: counts[id] / counts[baseline] } : {}),
          ...(target ? { target } : {}),
          note: [note, how].filter(Boolean).join('; '),
        });
        rows.push(
          row('floor'),
          row('stripe', 'floor'),
          row('receive-noidem', 'floor'),
          row('receive-memory', 'floor'),
          row('receive-noidem', 'stripe', '<= 0.90', 'below 1.00 means fewer than stripe'),
          row('receive-memory', 'stripe', '<= 1.00', 'below 1.00 means fewer than stripe'),
          row('receive-otel-floor', 'receive-noidem'),
          row('receive-otel', 'receive-otel-floor', '<= 1.10', 'what instrument() adds beyond the SDK floor'),
          row('receive-otel', 'receive-noidem', undefined, 'against OpenTelemetry off'),
        );
      }
    }
    if (only.includes('http')) {
      const ids = Object.keys(HTTP_SERVERS);
      log(`instructions http 300 B: ${ids.join(', ')} x ${runs}`);
      const jobs = ids.flatMap((kind) =>
        Array.from(
          { length: runs },
          () => () => countHttp({ kind, style: HTTP_SERVERS[kind].style, bytes: 300, warmup, calls, dir }),
        ),
      );
      const values = await twoAtATime(jobs);
      const counts = Object.fromEntries(ids.map((id, i) => [id, median(values.slice(i * runs, (i + 1) * runs))]));
      const group = 'instructions http 300 B';
      const note = `instructions per request in the server process; one kept-alive client, a new signed delivery per request; ${how}`;
      for (const id of ids) {
        rows.push({ group, name: HTTP_SERVERS[id].name, value: counts[id], unit: 'instr', note });
      }
      for (const [id, base, target] of HTTP_RATIOS) {
        rows.push({
          group,
          name: `${HTTP_SERVERS[id].name} vs ${HTTP_SERVERS[base].name}`,
          value: counts[id],
          unit: 'instr',
          baseline: HTTP_SERVERS[base].name,
          ratio: counts[id] / counts[base],
          ...(target ? { target } : {}),
          note,
        });
      }
    }
    if (only.includes('freshness')) {
      const ids = Object.keys(PAIR);
      log(`instructions 300 B freshness pair: ${ids.join(', ')} x ${runs}`);
      const jobs = ids.flatMap((id) =>
        Array.from({ length: runs }, () => () => countReceive(id, 300, warmup, calls, dir, ['--single-threaded'])),
      );
      const values = await twoAtATime(jobs);
      const [plain, fresh] = ids.map((_, i) => values.slice(i * runs, (i + 1) * runs));
      const group = 'instructions freshness';
      const note = `300 B score deliveries, 200 agents, each advancing its watermark; node --single-threaded; ${how}; runs: ${fresh.map(Math.round).join(', ')} vs ${plain.map(Math.round).join(', ')}`;
      rows.push(
        { group, name: PAIR['pair-memory'], value: median(plain), unit: 'instr', note },
        {
          group,
          name: `${PAIR['pair-memory-fresh']} vs without`,
          value: median(fresh),
          unit: 'instr',
          baseline: PAIR['pair-memory'],
          ratio: median(fresh) / median(plain),
          note,
        },
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const argv = process.argv.slice(2);
  const flag = (name) => {
    const i = argv.indexOf(name);
    return i === -1 ? undefined : argv[i + 1];
  };
  const rows = await runInstructionBench({
    quick: argv.includes('--quick'),
    ...(flag('--runs') ? { runs: Number(flag('--runs')) } : {}),
    ...(flag('--only') ? { only: flag('--only').split(',') } : {}),
    ...(argv.includes('--freshness') ? { only: ['freshness'] } : {}),
  });
  for (const r of rows) {
    console.log(
      `${r.group.padEnd(24)} ${r.name.padEnd(110)} ${Math.round(r.value).toLocaleString('en-US').padStart(9)}${r.ratio ? `  ${r.ratio.toFixed(3)}x${r.target ? ` (target ${r.target})` : ''}` : ''}`,
    );
  }
  if (rows[0]?.note) console.log(rows[0].note);
}
