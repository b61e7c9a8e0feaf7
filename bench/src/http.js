// HTTP benchmarks on loopback: autocannon (here, in the runner's process) against servers that
// each run in their own child process (http-server.js). Every request carries a different,
// correctly signed delivery. Bounded: 10 connections for 10 s per run (2 s with --quick), rounds
// in alternating order (forward, then reversed), ratios taken per round then the median.
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { uniqueRequest } from './fixtures.js';
import { median } from './stats.js';

const SERVER = fileURLToPath(new URL('./http-server.js', import.meta.url));

const KINDS = [
  { id: 'bare', name: 'bare node:http: read + verify + JSON.parse + 200', style: 'armalo' },
  { id: 'ours', name: 'armalo createNodeHandler (memory store, no-op handler)', style: 'armalo' },
  { id: 'ours-noidem', name: 'armalo createNodeHandler (idempotency off)', style: 'armalo' },
  { id: 'octokit', name: '@octokit/webhooks createNodeMiddleware', style: 'octokit' },
  { id: 'equal-work', name: 'equal-work hand-rolled node:http (every check our pipeline makes)', style: 'armalo' },
  { id: 'fastify-plugin', name: 'armalo fastify plugin (memory store)', style: 'armalo', optional: true },
  { id: 'fastify-equal', name: 'equal-work Fastify route', style: 'armalo', optional: true },
];

// BENCH_HTTP_DIAG=1 adds our receive() behind the bare server's reading and writing.
const DIAGNOSTIC = {
  id: 'ours-receive-only',
  name: 'bare node:http read/write around armalo receive() (diagnostic)',
  style: 'armalo',
};

/** Starts one server kind in a child process; resolves with its port and a stop function. */
export function startServer(kind, script = SERVER) {
  return new Promise((resolve, reject) => {
    const child = fork(script, [kind], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`server ${kind} did not start within 20 s`));
    }, 20_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      resolve({
        port: message.port,
        /** This server's CPU time (µs, user + system) and requests received so far. */
        cpu: () =>
          new Promise((done) => {
            const onMessage = (reply) => {
              if (reply?.cpu === undefined) return;
              child.off('message', onMessage);
              done({ micros: reply.cpu.user + reply.cpu.system, user: reply.cpu.user, requests: reply.answered });
            };
            child.on('message', onMessage);
            child.send('cpu');
          }),
        stop: () =>
          new Promise((done) => {
            child.once('exit', done);
            child.send('stop');
            setTimeout(() => child.kill(), 2000).unref();
          }),
      });
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server ${kind} exited with ${code} before listening`));
    });
  });
}

/** One bounded autocannon run; resolves with the summary numbers. */
export function load({ port, style, seconds, connections = 10, bytes = 300 }) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: `http://127.0.0.1:${port}`,
        connections,
        pipelining: 1,
        duration: seconds,
        requests: [uniqueRequest({ style, bytes })],
      },
      (error, result) => {
        if (error) return reject(error);
        resolve({
          rps: result.requests.total / (result.duration || seconds),
          p50: result.latency.p50,
          p99: result.latency.p99,
          non2xx: result.non2xx,
          errors: result.errors + result.timeouts,
          total: result.requests.total,
        });
      },
    );
  });
}

/**
 * @param {{ quick?: boolean, log?: (line: string) => void }} options
 * @returns {Promise<object[]>} rows in the shape documented in bench/README.md
 */
export async function runHttpBench({ quick = false, log = console.log } = {}) {
  const seconds = quick ? 2 : 10;
  const warmup = quick ? 0.5 : 2;
  const rounds = quick ? 1 : 2;
  const running = [];
  const skipped = [];
  try {
    const kinds = process.env.BENCH_HTTP_DIAG === '1' ? [...KINDS, DIAGNOSTIC] : KINDS;
    for (const kind of kinds) {
      try {
        running.push({ ...kind, server: await startServer(kind.id), runs: [] });
      } catch (error) {
        if (!kind.optional) throw error;
        skipped.push({ kind, reason: error.message });
      }
    }
    for (const k of running) {
      log(`http: warm-up ${k.id}`);
      await load({ port: k.server.port, style: k.style, seconds: warmup });
    }
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? running : [...running].reverse();
      for (const k of order) {
        log(`http: round ${round + 1}/${rounds} ${k.id}`);
        const before = await k.server.cpu();
        const run = await load({ port: k.server.port, style: k.style, seconds });
        const after = await k.server.cpu();
        const requests = Math.max(1, after.requests - before.requests);
        run.cpuPerRequest = (after.micros - before.micros) / requests;
        run.userPerRequest = (after.user - before.user) / requests;
        k.runs[round] = run;
      }
    }
  } finally {
    await Promise.all(running.map((k) => k.server.stop()));
  }

  const byId = Object.fromEntries(running.map((k) => [k.id, k]));
  const note = `127.0.0.1, 10 connections x ${seconds} s, ${rounds} round(s) alternating order, unique signed 300 B bodies`;
  const ratioOf = (a, b) => median(a.runs.map((run, i) => run.rps / b.runs[i].rps));
  const row = (k, base, target) => {
    const bad = k.runs.reduce((n, run) => n + run.non2xx + run.errors, 0);
    return {
      group: 'http node',
      name: k.name,
      value: median(k.runs.map((run) => run.rps)),
      unit: 'req/s',
      better: 'higher',
      ...(base ? { baseline: base.name, ratio: ratioOf(k, base) } : {}),
      ...(target ? { target } : {}),
      cpuPerRequestUs: median(k.runs.map((run) => run.cpuPerRequest)),
      p50: median(k.runs.map((run) => run.p50)),
      p99: median(k.runs.map((run) => run.p99)),
      samples: k.runs.map((run) => Math.round(run.rps)),
      note: bad > 0 ? `${note}; ${bad} non-2xx or failed responses` : note,
    };
  };
  const rows = [];
  const bare = byId.bare;
  rows.push(row(bare));
  rows.push(row(byId.ours, bare, '>= 0.95'));
  rows.push(row(byId['ours-noidem'], bare));
  rows.push(row(byId.octokit, bare));
  if (byId['fastify-plugin']) {
    rows.push({ ...row(byId['fastify-plugin'], byId.octokit, '>= 1.3'), name: 'armalo fastify plugin vs octokit' });
  }
  if (byId['ours-receive-only']) rows.push(row(byId['ours-receive-only'], bare));
  // The library's overhead over a server doing the same work by hand (issue 24).
  rows.push({ ...row(byId.ours, byId['equal-work']), name: 'armalo createNodeHandler vs equal-work node:http' });
  if (byId['fastify-plugin'] && byId['fastify-equal']) {
    rows.push({
      ...row(byId['fastify-plugin'], byId['fastify-equal']),
      name: 'armalo fastify plugin vs equal-work Fastify route',
    });
  }
  // The same runs as the server's user-space CPU time per request (the JavaScript work, ours to
  // change): unlike req/s it does not depend on whether the load generator, which shares the
  // machine, or the server was the bottleneck. System time (mostly the loopback writev, whose cost
  // swings with how often the client is asleep) is in the note.
  for (const k of running) {
    const base =
      k.id === 'bare'
        ? undefined
        : k.id === 'fastify-plugin'
          ? (byId['fastify-equal'] ?? byId.octokit)
          : k.id === 'ours'
            ? byId['equal-work']
            : bare;
    rows.push({
      group: 'http node: server user CPU per request',
      name: k.name,
      value: median(k.runs.map((run) => run.userPerRequest)),
      unit: 'µs',
      ...(base
        ? {
            baseline: base.name,
            ratio: median(k.runs.map((run, i) => run.userPerRequest / base.runs[i].userPerRequest)),
          }
        : {}),
      samples: k.runs.map((run) => Number(run.userPerRequest.toFixed(2))),
      note: `user + system: ${median(k.runs.map((run) => run.cpuPerRequest)).toFixed(1)} µs/request; lower is better`,
    });
  }
  // The target for the node handler: server CPU per request at most 1.2x octokit's middleware.
  if (byId.octokit && byId.ours) {
    rows.push({
      group: 'http node: server user CPU per request',
      name: 'armalo createNodeHandler (memory store) vs octokit',
      value: median(byId.ours.runs.map((run) => run.userPerRequest)),
      unit: 'µs',
      better: 'lower',
      baseline: byId.octokit.name,
      ratio: median(byId.ours.runs.map((run, i) => run.userPerRequest / byId.octokit.runs[i].userPerRequest)),
      target: '<= 1.2',
      note: 'server user CPU per request, ratio of interleaved runs; lower is better',
    });
  }
  for (const { kind, reason } of skipped) {
    rows.push({ group: 'http node', name: kind.name, value: Number.NaN, unit: 'req/s', skipped: reason });
  }
  return rows;
}
