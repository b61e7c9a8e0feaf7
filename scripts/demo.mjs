#!/usr/bin/env node
// @ts-check
// `pnpm demo`: starts examples/express on a free port with the in-memory store, sends every
// documented event, then one duplicate and one tampered delivery, through the armalo-webhooks
// CLI's code, prints what happened, stops the server. Exit 0 only when every answer is the
// expected one. `pnpm demo` builds the packages first; run alone, this script expects them built.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const exampleDir = fileURLToPath(new URL('../examples/express/', import.meta.url));
const cliEntry = new URL('../packages/cli/dist/index.js', import.meta.url);
const coreEntry = new URL('../packages/core/dist/index.js', import.meta.url);
const STARTUP_TIMEOUT_MS = 60_000;
const LOG_LINES_ON_FAILURE = 40;

for (const entry of [cliEntry, coreEntry]) {
  if (!existsSync(entry))
    fail(`${fileURLToPath(entry)} is missing: run \`pnpm demo\` (it builds first) or \`pnpm build\``);
}
if (!existsSync(join(exampleDir, 'src/server.ts'))) {
  fail(`${exampleDir}src/server.ts is missing: the demo runs the Express example`);
}

/** @type {typeof import('../packages/cli/dist/index.js')} */
const cli = await import(cliEntry.href);
/** @type {typeof import('../packages/core/dist/index.js')} */
const core = await import(coreEntry.href);

const secret = `whsec_demo_${randomBytes(16).toString('hex')}`;
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const webhookUrl = `${baseUrl}/webhooks/armalo`;

/** @type {string[]} */
const serverLog = [];
const env = { ...process.env, PORT: String(port), ARMALO_WEBHOOK_SECRET: secret };
// The demo shows the in-memory store: never pick up a Redis or PostgreSQL URL from the shell.
delete env.REDIS_URL;
delete env.DATABASE_URL;

console.log(`Starting examples/express on ${baseUrl} (in-memory idempotency store)…`);
const started = performance.now();
const server = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
  cwd: exampleDir,
  env,
  stdio: ['ignore', 'pipe', 'pipe'],
});
/** @type {Promise<void>} */
const serverExited = new Promise((resolve) => server.once('exit', () => resolve()));
let stopping = false;

// Last resort: whatever happens to this process, the server does not outlive it.
process.once('exit', () => {
  if (server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server`);
    void stopServer().then(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  await waitUntilReady();
  console.log(`Ready in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
  console.log(
    `Sending ${core.EVENT_NAMES.length} events, then a duplicate and a tampered delivery, with the armalo-webhooks CLI's sendDelivery/postDelivery.\n`,
  );
  const rows = await runDeliveries();
  printTable(rows);
  const bad = rows.filter((row) => !row.ok);
  if (bad.length === 0) {
    console.log(`\n${rows.length}/${rows.length} answers as expected.`);
    exitCode = 0;
  } else {
    console.error(`\n${bad.length} of ${rows.length} answers were not the expected ones.`);
    printServerLog();
  }
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  printServerLog();
} finally {
  await stopServer();
  console.log('Server stopped.');
}
process.exit(exitCode);

/**
 * @typedef {{ label: string, expected: string, status: number | string, result: string, latency: string, ok: boolean }} Row
 */

/** @returns {Promise<Row[]>} */
async function runDeliveries() {
  /** @type {Row[]} */
  const rows = [];
  /** @type {import('../packages/cli/dist/index.js').Delivery | undefined} */
  let first;
  for (const event of core.EVENT_NAMES) {
    const { delivery, responses } = await cli.sendDelivery({ url: webhookUrl, event, secret });
    first ??= delivery;
    rows.push(row(event, 'handled', responses[0]));
  }
  if (first !== undefined) {
    // A retry resends the same bytes: the receiver acknowledges it and runs nothing.
    rows.push(row(`${first.event} (same bytes again)`, 'duplicate', await cli.postDelivery(webhookUrl, first)));
  }
  const tampered = cli.buildDelivery({ event: 'escrow.released', secret, tamper: true });
  rows.push(row('escrow.released (tampered)', 'rejected 401', await cli.postDelivery(webhookUrl, tampered)));
  return rows;
}

/**
 * @param {string} label
 * @param {'handled' | 'duplicate' | 'rejected 401'} expected
 * @param {import('../packages/cli/dist/index.js').DeliveryResponse | undefined} response
 * @returns {Row}
 */
function row(label, expected, response) {
  if (response === undefined) return { label, expected, status: '-', result: 'no answer', latency: '', ok: false };
  const result = response.code === undefined ? response.outcome : `${response.outcome} (${response.code})`;
  const ok =
    expected === 'rejected 401'
      ? response.status === 401 && response.code === 'INVALID_SIGNATURE'
      : response.status === 200 && response.outcome === expected;
  return { label, expected, status: response.status, result, latency: `${response.latencyMs.toFixed(1)} ms`, ok };
}

/** @param {Row[]} rows */
function printTable(rows) {
  const header = ['#', 'event', 'status', 'result', 'latency', 'as expected?'];
  const cells = rows.map((r, index) => [
    String(index + 1),
    r.label,
    String(r.status),
    r.result,
    r.latency,
    r.ok ? 'ok' : `UNEXPECTED, wanted ${r.expected}`,
  ]);
  const rightAligned = new Set([0, 4]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...cells.map((line) => (line[column] ?? '').length)),
  );
  /** @param {string[]} line */
  const format = (line) =>
    line
      .map((cell, column) =>
        rightAligned.has(column) ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  console.log(format(header));
  console.log(format(widths.map((width) => '-'.repeat(width))));
  for (const line of cells) console.log(format(line));
}

async function waitUntilReady() {
  /** @type {(value?: unknown) => void} */
  let announce = () => {};
  const announced = new Promise((resolve) => {
    announce = resolve;
  });
  /** @param {Buffer} chunk */
  const collect = (chunk) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      serverLog.push(line);
      if (line.includes(`listening on ${baseUrl}`)) announce();
    }
    if (serverLog.length > 1000) serverLog.splice(0, serverLog.length - 1000);
  };
  server.stdout?.on('data', collect);
  server.stderr?.on('data', collect);

  /** @type {NodeJS.Timeout | undefined} */
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(
      () =>
        reject(new Error(`the server did not report "listening on ${baseUrl}" within ${STARTUP_TIMEOUT_MS / 1000} s`)),
      STARTUP_TIMEOUT_MS,
    );
  });
  const exited = serverExited.then(() => {
    if (!stopping)
      throw new Error(`the server exited before it was ready (exit code ${server.exitCode ?? server.signalCode})`);
  });
  // Only the races below care; a crash after startup shows up as a failed delivery.
  exited.catch(() => {});
  try {
    await Promise.race([announced, exited, timeout]);
    await Promise.race([health(), exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function health() {
  for (;;) {
    try {
      const response = await fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not accepting connections yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function stopServer() {
  if (stopping) return serverExited;
  stopping = true;
  if (server.exitCode !== null || server.signalCode !== null) return;
  server.kill('SIGTERM');
  const killer = setTimeout(() => server.kill('SIGKILL'), 5_000);
  await serverExited;
  clearTimeout(killer);
}

function printServerLog() {
  if (serverLog.length === 0) return;
  console.error(`\nLast lines from the server (${exampleDir}):`);
  for (const line of serverLog.slice(-LOG_LINES_ON_FAILURE)) console.error(`  ${line}`);
}

/** @returns {Promise<number>} */
function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const found = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => resolve(found));
    });
  });
}

/** @param {string} message @returns {never} */
function fail(message) {
  console.error(`demo: ${message}`);
  process.exit(1);
}
