// Memory store footprint: each test in its own child process started with --expose-gc, so one
// test's garbage (or its live store) never counts in another's heap figures.
import { fileURLToPath } from 'node:url';
import { runJsonChild } from './child.js';
import { median } from './stats.js';

const CHILD = fileURLToPath(new URL('./memory-child.js', import.meta.url));
const MB = 1024 * 1024;

function runChild(options) {
  return runJsonChild(CHILD, options);
}

/**
 * @param {{ quick?: boolean, log?: (line: string) => void }} options
 * @returns {Promise<object[]>} rows in the shape documented in bench/README.md
 */
export async function runMemoryBench({ quick = false, log = console.log } = {}) {
  const rows = [];
  const group = 'memory store';

  log('memory: 1M unique keys, cap raised to hold them all');
  const [capacity] = await runChild({ quick, tests: ['capacity'], count: 1_000_000 });
  rows.push({
    group,
    name: `heap retained by ${capacity.count.toLocaleString('en-US')} completed keys (cap raised)`,
    value: capacity.bytes / MB,
    unit: 'MiB',
    target: '<= 200',
    targetOn: 'value',
    note: `${capacity.bytesPerKey.toFixed(0)} B/key: 64-hex key string + Map slot + expiry; driven through claim/complete`,
  });
  rows.push({
    group,
    name: 'claim + complete per unique delivery, store growing to 1M (incl. key hashing)',
    value: capacity.nsPerDelivery,
    unit: 'ns',
  });

  log('memory: retained per delivery through receive()');
  const [receive] = await runChild({ quick, tests: ['receive'] });
  rows.push({
    group,
    name: `heap retained per delivery through receive() (${receive.count.toLocaleString('en-US')} deliveries)`,
    value: receive.bytesPerKey,
    unit: 'B/key',
    baseline: `the store driven directly with as many keys (${receive.directBytesPerKey.toFixed(0)} B/key)`,
    ratio: receive.bytesPerKey / receive.directBytesPerKey,
    note: 'about 1.00x: receive() keeps nothing per delivery beyond the key string and its Map slot',
  });

  log('memory: sustained unique load with the default cap');
  const [flat] = await runChild({ quick, tests: ['flat'] });
  const full = flat.samples.filter((s) => s.claims > 100_000);
  const heaps = full.map((s) => s.heap / MB);
  const growth = heaps.length > 1 ? heaps[heaps.length - 1] - heaps[0] : 0;
  const early = flat.samples.filter((s) => s.claims <= 100_000).map((s) => s.nsPerDelivery);
  const late = full.map((s) => s.nsPerDelivery);
  rows.push({
    group,
    name: `heap under ${flat.total.toLocaleString('en-US')} unique claims, default cap 100,000 (max after cap reached)`,
    value: Math.max(...heaps),
    unit: 'MiB',
    note: `min ${Math.min(...heaps).toFixed(1)} MiB, growth from first to last full sample ${growth.toFixed(2)} MiB over ${full.length} samples`,
    samples: heaps.map((h) => Number(h.toFixed(2))),
  });
  rows.push({
    group,
    name: 'claim + complete per delivery once the cap is reached (vs before)',
    value: median(late),
    unit: 'ns',
    baseline: 'while the store is filling',
    ratio: median(late) / median(early),
    target: '<= 1.5',
    note: 'the store must not slow down when full (it did, 15-100x, before the persistent-cursor fix)',
  });
  return rows;
}
