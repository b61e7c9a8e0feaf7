// Instructions per delivery, counted by valgrind's callgrind: a figure that does not move with
// what else the machine is doing (two runs agree to about 0.1%), where time-based ratios on this
// shared 2-core machine move by 5-10%. Each candidate runs in its own process under callgrind
// (about 30x slower than native, so a few thousand calls). Skipped when valgrind is missing.
//
//   node bench/src/instructions.js          # 300 B and 4 KiB, 20,000 measured calls each
//   node bench/src/instructions.js --quick  # 300 B only, 3,000 calls
//   node bench/src/instructions.js --freshness  # only the freshness pair below
//
// The freshness pair (issue 23: the guard's own cost with the memory store): receive() with the
// memory store, with and without `freshness`, on 300 B score deliveries for 200 agents, each newer
// than the last; 10,000 calls to warm up, 10,000 counted, the median of 3 runs of each. Node runs
// --single-threaded there: with V8's compiler and GC threads, two runs of the same code differed by
// 2%, more than the differences the pair is for; single-threaded they agree to about 0.3%. The count
// still includes optimizing compilation (about a quarter of it: V8 is still tiering up after
// 10,000 calls), so compare the pair's two halves, not these figures with the rows above.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CHILD = fileURLToPath(new URL('./instructions-child.js', import.meta.url));
const NAMES = {
  floor: 'floor: createHmac + timingSafeEqual + JSON.parse',
  stripe: 'stripe webhooks.constructEvent (verify + JSON.parse)',
  'receive-noidem': 'armalo receive(), idempotency off, no-op handler',
  'receive-memory': 'armalo receive(), memory store, unique bodies, no-op handler',
};
const PAIR = {
  'pair-memory': 'receive() memory store',
  'pair-memory-fresh': 'receive() memory store + freshness',
};
const PAIR_CALLS = 10_000;
const PAIR_RUNS = 3;

function count(candidate, bytes, calls, dir, run = 0, nodeFlags = []) {
  const out = join(dir, `${candidate}-${bytes}-${run}.out`);
  return new Promise((resolve, reject) => {
    execFile(
      'valgrind',
      [
        '--tool=callgrind',
        '--instr-atstart=no',
        `--callgrind-out-file=${out}`,
        process.execPath,
        ...nodeFlags,
        CHILD,
        candidate,
        String(bytes),
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

/** The freshness pair: the median of PAIR_RUNS counts of each half, two processes at a time. */
async function freshnessRows(dir, log) {
  const runs = { 'pair-memory': [], 'pair-memory-fresh': [] };
  for (let i = 0; i < PAIR_RUNS; i++) {
    log(`instructions 300 B freshness pair, run ${i + 1} of ${PAIR_RUNS}`);
    const [plain, fresh] = await Promise.all(
      Object.keys(PAIR).map((id) => count(id, 300, PAIR_CALLS, dir, i, ['--single-threaded'])),
    );
    runs['pair-memory'].push(plain);
    runs['pair-memory-fresh'].push(fresh);
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const plain = median(runs['pair-memory']);
  const fresh = median(runs['pair-memory-fresh']);
  const note = `300 B score deliveries, 200 agents, each advancing its watermark; median of ${PAIR_RUNS} runs of ${PAIR_CALLS.toLocaleString('en-US')} warmed-up calls`;
  const group = 'instructions freshness';
  return [
    { group, name: PAIR['pair-memory'], value: plain, unit: 'instr', note },
    {
      group,
      name: `${PAIR['pair-memory-fresh']} vs without`,
      value: fresh,
      unit: 'instr',
      baseline: PAIR['pair-memory'],
      ratio: fresh / plain,
      note: `${note}; runs: ${runs['pair-memory-fresh'].map(Math.round).join(', ')} vs ${runs['pair-memory'].map(Math.round).join(', ')}`,
    },
  ];
}

export async function runInstructionBench({ quick = false, freshnessOnly = false, log = console.log } = {}) {
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    return [
      { group: 'instructions', name: 'instruction counts', value: Number.NaN, skipped: 'valgrind not installed' },
    ];
  }
  if (freshnessOnly) {
    const dir = mkdtempSync(join(os.tmpdir(), 'armalo-bench-callgrind-'));
    try {
      return await freshnessRows(dir, log);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const sizes = quick ? [300] : [300, 4096];
  const calls = quick ? 3_000 : 20_000;
  const dir = mkdtempSync(join(os.tmpdir(), 'armalo-bench-callgrind-'));
  const rows = [];
  try {
    for (const bytes of sizes) {
      const counts = {};
      // Two at a time: instruction counts do not depend on sharing the CPUs.
      const ids = Object.keys(NAMES);
      for (let i = 0; i < ids.length; i += 2) {
        const pair = ids.slice(i, i + 2);
        log(`instructions ${bytes} B: ${pair.join(', ')}`);
        const values = await Promise.all(pair.map((id) => count(id, bytes, calls, dir)));
        pair.forEach((id, j) => {
          counts[id] = values[j];
        });
      }
      const group = `instructions ${bytes} B`;
      const row = (id, baseline, target, note) => ({
        group,
        name: baseline ? `${NAMES[id]} vs ${baseline === 'floor' ? 'the floor' : 'stripe'}` : NAMES[id],
        value: counts[id],
        unit: 'instr',
        ...(baseline ? { baseline: NAMES[baseline], ratio: counts[id] / counts[baseline] } : {}),
        ...(target ? { target } : {}),
        ...(note || quick
          ? { note: [note, quick ? 'quick: 3,000 calls, not fully warmed up' : ''].filter(Boolean).join('; ') }
          : {}),
      });
      rows.push(
        row('floor'),
        row('stripe', 'floor'),
        row('receive-noidem', 'floor'),
        row('receive-memory', 'floor'),
        row(
          'receive-noidem',
          'stripe',
          '< 1.00',
          'instructions per call, warmed up; below 1.00 means fewer than stripe',
        ),
      );
    }
    if (!quick) rows.push(...(await freshnessRows(dir, log)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const rows = await runInstructionBench({
    quick: process.argv.includes('--quick'),
    freshnessOnly: process.argv.includes('--freshness'),
  });
  for (const r of rows) {
    console.log(
      `${r.group}  ${r.name.padEnd(90)} ${Math.round(r.value).toLocaleString('en-US').padStart(8)}${r.ratio ? `  ${r.ratio.toFixed(3)}x` : ''}`,
    );
    if (r.group === 'instructions freshness') console.log(`  ${r.note}`);
  }
}
