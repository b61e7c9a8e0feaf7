#!/usr/bin/env node
// @ts-check
// `pnpm demo`: starts examples/express on a free port with its durable inbox (pg-boss on PGlite, in a
// fresh directory), sends every documented event, then one duplicate and one tampered delivery,
// through the armalo-webhooks CLI's code, and prints what happened. Then the guarantee: it sends a
// burst of deliveries, kills the server with SIGKILL the moment the last one is acknowledged (some
// are still queued), restarts it on the same directory, and prints that every acknowledged delivery
// was handled exactly once. Exit 0 only when every answer and every count is the expected one.
// `pnpm demo` builds the packages first; run alone, this script expects them built.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const exampleDir = fileURLToPath(new URL('../examples/express/', import.meta.url));
const cliEntry = new URL('../packages/cli/dist/index.js', import.meta.url);
const coreEntry = new URL('../packages/core/dist/index.js', import.meta.url);
const pgBossEntry = new URL('../packages/pg-boss/dist/index.js', import.meta.url);
const STARTUP_TIMEOUT_MS = 60_000;
const DRAIN_TIMEOUT_MS = 30_000;
const LOG_LINES_ON_FAILURE = 40;
/** The burst sent before the kill, and how many requests are in flight at once. */
const BURST = 300;
const SENDERS = 16;

for (const entry of [cliEntry, coreEntry, pgBossEntry]) {
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
/** @type {typeof import('../packages/pg-boss/dist/index.js')} */
const pgBoss = await import(pgBossEntry.href);

const secret = `whsec_demo_${randomBytes(16).toString('hex')}`;
const port = await freePort();
const baseUrl = `http://127.0.0.1:${port}`;
const webhookUrl = `${baseUrl}/webhooks/armalo`;

const inboxDir = mkdtempSync(join(tmpdir(), 'armalo-demo-inbox-'));
/** @type {string[]} */
const serverLog = [];
const env = { ...process.env, PORT: String(port), ARMALO_WEBHOOK_SECRET: secret, ARMALO_INBOX_DIR: inboxDir };
// The demo shows the embedded inbox: never pick up a PostgreSQL or Redis URL from the shell.
delete env.REDIS_URL;
delete env.DATABASE_URL;

/** @type {import('node:child_process').ChildProcess | undefined} */
let server;
/** @type {Promise<void>} */
let serverExited = Promise.resolve();
let stopping = false;

// Last resort: whatever happens to this process, the server does not outlive it.
process.once('exit', () => {
  if (server && server.exitCode === null && server.signalCode === null) server.kill('SIGKILL');
  rmSync(inboxDir, { recursive: true, force: true });
});
for (const signal of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the server`);
    void stopServer().then(() => process.exit(130));
  });
}

let exitCode = 1;
try {
  console.log(`Starting examples/express on ${baseUrl}, its inbox in PGlite (embedded PostgreSQL) in ${inboxDir}…`);
  const firstStartMs = await startServer();
  console.log(`Ready in ${(firstStartMs / 1000).toFixed(1)} s (the first start creates the database).`);
  console.log(
    `Sending ${core.EVENT_NAMES.length} events, then a duplicate and a tampered delivery, with the armalo-webhooks CLI's sendDelivery/postDelivery.\n`,
  );
  const rows = await runDeliveries();
  printTable(rows);
  const bad = rows.filter((row) => !row.ok);
  const handled = await waitForHandled(() => true, core.EVENT_NAMES.length);
  if (bad.length > 0) {
    console.error(`\n${bad.length} of ${rows.length} answers were not the expected ones.`);
    printServerLog();
  } else {
    console.log(
      `\n${rows.length}/${rows.length} answers as expected; the worker handled ${handled.length} deliveries.`,
    );
    exitCode = (await proveDurability(firstStartMs)) ? 0 : 1;
    if (exitCode !== 0) printServerLog();
  }
} catch (error) {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  printServerLog();
} finally {
  await stopServer();
  rmSync(inboxDir, { recursive: true, force: true });
  console.log('Server stopped.');
}
process.exit(exitCode);

/**
 * The guarantee: a burst acknowledged, the process killed at once, a restart on the same directory,
 * every acknowledged delivery handled exactly once. Answers whether it held.
 * @param {number} firstStartMs
 */
async function proveDurability(firstStartMs) {
  console.log(
    `\nNow the guarantee. Sending ${BURST} more deliveries; the server is killed with SIGKILL the moment the last one is acknowledged.`,
  );
  const agent = new Agent({ keepAlive: true, maxSockets: SENDERS });
  /** @type {Set<number>} */
  const acknowledged = new Set();
  let next = 0;
  let answered = 0;
  const victim = server;
  const sender = async () => {
    for (let n = next++; n < BURST; n = next++) {
      const delivery = cli.buildDelivery({
        event: 'score.changed',
        secret,
        data: { ...core.EVENT_CATALOG['score.changed'].sample, agentId: `demo-${n}` },
      });
      const response = await cli.postDelivery(webhookUrl, delivery, { agent }).catch(() => undefined);
      const json = /** @type {{ queued?: boolean } | undefined} */ (response?.json);
      if (response?.status === 200 && json?.queued === true) acknowledged.add(n);
      if (++answered === BURST) victim?.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: SENDERS }, sender));
  agent.destroy();
  await serverExited;
  // Between the two processes, the directory alone says what was done and what is still queued.
  const pglite = await pgBoss.openPglite(inboxDir);
  const { rows: before } = await pglite.query(
    "SELECT count(DISTINCT summary)::int AS n FROM example_deliveries WHERE summary LIKE 'demo-%'",
  );
  await pglite.close();
  const handledBefore = Number(before[0]?.n ?? 0);
  console.log(
    `Killed (${server?.signalCode}) with ${acknowledged.size} acknowledged: ${handledBefore} handled, ${acknowledged.size - handledBefore} still queued on disk.`,
  );

  const restartMs = await startServer();
  console.log(`Restarted on the same directory in ${(restartMs / 1000).toFixed(1)} s; its worker picks up the queue.`);
  const demoRows = await waitForHandled((row) => row.summary.startsWith('demo-'), acknowledged.size);
  /** @type {Map<number, number>} */
  const runs = new Map();
  for (const row of demoRows) {
    const n = Number(/^demo-(\d+):/.exec(row.summary)?.[1]);
    runs.set(n, (runs.get(n) ?? 0) + 1);
  }
  const missing = [...acknowledged].filter((n) => !runs.has(n));
  const twice = [...runs.values()].filter((count) => count > 1).length;
  const ok = missing.length === 0 && twice === 0 && acknowledged.size === BURST;
  console.log(
    `${ok ? 'Every' : 'NOT every'} acknowledged delivery was handled exactly once: ${acknowledged.size} acknowledged, ${acknowledged.size - missing.length} handled, ${missing.length} missing, ${twice} handled twice.`,
  );
  console.log(
    `First start ${(firstStartMs / 1000).toFixed(1)} s (creates the database), restart ${(restartMs / 1000).toFixed(1)} s (reopens it).`,
  );
  return ok;
}

/**
 * The example's record of handled deliveries, newest first, once at least `count` of them match.
 * @param {(row: { event: string, summary: string }) => boolean} match
 * @param {number} count
 */
async function waitForHandled(match, count) {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  for (;;) {
    const response = await fetch(`${baseUrl}/api/deliveries?limit=10000`);
    const { deliveries } = /** @type {{ deliveries: { event: string, summary: string }[] }} */ (await response.json());
    const found = deliveries.filter(match);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

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
    rows.push(row(event, 'queued', responses[0]));
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
 * @param {'queued' | 'duplicate' | 'rejected 401'} expected
 * @param {import('../packages/cli/dist/index.js').DeliveryResponse | undefined} response
 * @returns {Row}
 */
function row(label, expected, response) {
  if (response === undefined) return { label, expected, status: '-', result: 'no answer', latency: '', ok: false };
  // The CLI calls every 2xx but a duplicate "handled"; with an inbox the body says "queued".
  const queued = /** @type {{ queued?: boolean } | undefined} */ (response.json)?.queued === true;
  const outcome = queued ? 'queued' : response.outcome;
  const result = response.code === undefined ? outcome : `${outcome} (${response.code})`;
  const ok =
    expected === 'rejected 401'
      ? response.status === 401 && response.code === 'INVALID_SIGNATURE'
      : response.status === 200 && outcome === expected;
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

/** Starts the example (again) and resolves with how long it took to answer /health, in ms. */
async function startServer() {
  const started = performance.now();
  stopping = false;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: exampleDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  server = child;
  serverExited = new Promise((resolve) => child.once('exit', () => resolve()));
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
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);

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
      throw new Error(`the server exited before it was ready (exit code ${child.exitCode ?? child.signalCode})`);
  });
  // Only the races below care; a crash after startup shows up as a failed delivery.
  exited.catch(() => {});
  try {
    await Promise.race([announced, exited, timeout]);
    await Promise.race([health(), exited, timeout]);
  } finally {
    clearTimeout(timer);
  }
  return performance.now() - started;
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
  const running = server;
  if (running === undefined || running.exitCode !== null || running.signalCode !== null) return;
  running.kill('SIGTERM');
  const killer = setTimeout(() => running.kill('SIGKILL'), 10_000);
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
