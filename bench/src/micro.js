// Micro-benchmarks: runs micro-child.js in several processes, one after the other, and reduces
// their rounds to medians. Ratios are taken per round (each candidate against its baseline
// measured in the same round of the same process) and then the median of those, so that load from
// other processes on the machine cancels out as far as it can.
import { fileURLToPath } from 'node:url';
import { runJsonChild } from './child.js';
import { median } from './stats.js';

const CHILD = fileURLToPath(new URL('./micro-child.js', import.meta.url));

function runChild(options) {
  return runJsonChild(CHILD, options);
}

/** The ratios of `id` to `base` measured back to back, over every round of every process. */
function ratios(runs, id, base) {
  return runs.flatMap((run) => run.ratios?.[`${id}/${base}`] ?? []);
}

function times(runs, id) {
  return runs.flatMap((run) => run.times[id] ?? []);
}

const VERIFY = [
  ['floor', undefined],
  ['floor-hex', undefined],
  ['ours-verify', '<= 1.10'],
  ['ours-verify-fn', undefined],
  ['octokit', undefined],
  ['stripe', undefined],
  ['standardwebhooks', undefined],
];

const RECEIVE = [
  ['floor-parse-zod', undefined, undefined],
  ['receive-noidem', 'floor-parse-zod', '<= 1.5'],
  ['floor-parse-zod-unique', undefined, undefined],
  ['receive-memory', 'floor-parse-zod-unique', '<= 1.5'],
  ['receive-noidem-otel', 'receive-noidem', '<= 1.10'],
];

/**
 * @param {{ quick?: boolean, log?: (line: string) => void }} options
 * @returns {Promise<object[]>} rows in the shape documented in bench/README.md
 */
export async function runMicroBench({ quick = false, log = console.log } = {}) {
  const processes = quick ? 1 : 3;
  const bySize = new Map();
  for (let index = 0; index < processes; index++) {
    log(`micro: process ${index + 1}/${processes}`);
    for (const result of await runChild({ quick, index })) {
      const entry = bySize.get(result.size) ?? { names: result.names, runs: [] };
      entry.runs.push(result);
      bySize.set(result.size, entry);
    }
  }
  const rounds = (runs) => runs.reduce((n, run) => n + (run.ratios?.['ours-verify/floor']?.length ?? 0), 0);
  const rows = [];
  for (const [size, { names, runs }] of bySize) {
    const note = `medians of ${rounds(runs)} rounds over ${runs.length} process(es); each ratio from back-to-back pairs, order alternated`;
    for (const [id, target] of VERIFY) {
      rows.push({
        group: `verify ${size}`,
        name: names[id],
        value: median(times(runs, id)),
        unit: 'ns',
        ...(id === 'floor' ? {} : { baseline: names.floor, ratio: median(ratios(runs, id, 'floor')) }),
        ...(target ? { target } : {}),
        samples: times(runs, id),
        note,
      });
    }
    for (const [id, base, target] of RECEIVE) {
      rows.push({
        group: `receive ${size}`,
        name: names[id],
        value: median(times(runs, id)),
        unit: 'ns',
        ...(base ? { baseline: names[base], ratio: median(ratios(runs, id, base)) } : {}),
        ...(target ? { target } : {}),
        samples: times(runs, id),
        note,
      });
    }
    rows.push({
      group: `receive ${size}`,
      name: names.stripe,
      value: median(times(runs, 'stripe')),
      unit: 'ns',
      baseline: names['floor-parse-zod'],
      ratio: median(ratios(runs, 'stripe', 'floor-parse-zod')),
      note,
    });
    for (const id of ['receive-noidem', 'receive-memory']) {
      rows.push({
        group: `receive ${size}`,
        name: `${names[id]} vs stripe constructEvent`,
        value: median(times(runs, id)),
        unit: 'ns',
        baseline: names.stripe,
        ratio: median(ratios(runs, id, 'stripe')),
        // The target is for receive() without deduplication; with it, the SHA-256 key and the store
        // are work stripe does not do (shown for reference).
        ...(id === 'receive-noidem' ? { target: '< 1.00' } : {}),
        note: 'below 1.00 means faster than stripe',
      });
    }
  }
  return rows;
}
