// Side-by-side HTTP benchmark: armaloWebhooksPlugin against a hand-rolled Fastify route (a
// parseAs: 'buffer' content-type parser + createHmac/timingSafeEqual + JSON.parse) and an
// equal-work route (equal-work.js: every check the plugin makes, by hand). Every request carries a
// new signed delivery, so the "+dedup" variant measures dedup, not the duplicate answer.
//
//   node bench/src/http-fastify.js          # 10 connections x 10 s per run, A B C A B C (2 rounds)
//   node bench/src/http-fastify.js --quick  # 10 connections x 3 s per run, 1 round
//
// Each variant is its own child process (one Fastify 5 app on 127.0.0.1), so the load generator
// never shares an event loop with a server. Runs are interleaved so that noise from other work on
// the machine lands on every variant alike. Every answer must be a 200, or the run is refused.
import { fork } from 'node:child_process';
import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadUnique } from './autocannon-load.js';
import { equalWorkFastifyRoute } from './equal-work.js';
import { SECRET } from './fixtures.js';

const PATH = '/webhooks/armalo';
const GROUP = 'http fastify';
const BASELINE = 'hand-rolled';
const PLUGIN = 'armaloWebhooksPlugin';
const EQUAL = 'equal-work route';
const self = fileURLToPath(import.meta.url);

const VARIANTS = {
  [BASELINE]: "fastify route: parseAs 'buffer' parser + createHmac + timingSafeEqual + JSON.parse",
  [EQUAL]: 'fastify route doing by hand every check the plugin makes (bench/src/equal-work.js)',
  [PLUGIN]: 'armaloWebhooksPlugin, idempotency off',
  [`${PLUGIN}+dedup`]: 'armaloWebhooksPlugin, default in-memory idempotency, a new delivery per request',
};

async function createApp(variant) {
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  let handled = 0;
  if (variant === EQUAL) {
    await app.register(equalWorkFastifyRoute(PATH));
    handled = Number.NaN; // counted from the answers instead: every one must be a 200
  } else if (variant === BASELINE) {
    // A KeyObject: on Node 24.21 createHmac with a Buffer key throws and catches twice inside.
    const key = createSecretKey(Buffer.from(SECRET, 'utf8'));
    // Encapsulated, as a careful hand-written route would be, so the rest of the app keeps JSON parsing.
    await app.register(async (scope) => {
      scope.addContentTypeParser(
        'application/json',
        { parseAs: 'buffer', bodyLimit: 1024 * 1024 },
        (_req, body, done) => done(null, body),
      );
      scope.post(PATH, async (request, reply) => {
        const given = Buffer.from(String(request.headers['x-armalo-signature'] ?? ''), 'hex');
        const expected = createHmac('sha256', key).update(request.body).digest();
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
          return reply.code(401).send({ error: 'Invalid signature' });
        }
        const event = JSON.parse(request.body.toString('utf8'));
        if (event.event === 'score.changed') handled++;
        return { ok: true };
      });
    });
  } else {
    const { createWebhookReceiver } = await import('@armalo-webhooks/core');
    const { armaloWebhooksPlugin } = await import('@armalo-webhooks/fastify');
    const webhooks = createWebhookReceiver({
      secret: SECRET,
      ...(variant === PLUGIN ? { idempotency: false } : {}),
    });
    webhooks.on('score.changed', () => {
      handled++;
    });
    await app.register(armaloWebhooksPlugin, { receiver: webhooks, path: PATH });
  }
  return { app, handled: () => handled };
}

/** Child mode: serve one variant and report the port to the parent. */
async function serve(variant) {
  const { app, handled } = await createApp(variant);
  await app.listen({ port: 0, host: '127.0.0.1' });
  process.send?.({ port: app.server.address().port });
  // The parent asks how many deliveries reached a handler (to check the handlers really ran) and
  // how much CPU this process has used (CPU per request holds up better than req/s on a busy machine).
  process.on('message', (message) => {
    const { user, system } = process.cpuUsage();
    if (message === 'stats') process.send?.({ handled: handled(), cpuUs: user + system });
  });
  process.on('disconnect', () => app.close().then(() => process.exit(0)));
}

async function startServer(variant) {
  const child = fork(self, ['--serve', variant], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const [message] = await once(child, 'message');
  return { child, url: `http://127.0.0.1:${message.port}${PATH}` };
}

async function stats(server) {
  server.child.send('stats');
  const [message] = await once(server.child, 'message');
  return message;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Runs the comparison. Returns the rows for the bench runner (median req/s per variant, ratios
 * against the hand-rolled route from the same interleaved run) plus every individual run.
 */
export async function runFastifyBench({ quick = false, log = console.log } = {}) {
  const seconds = quick ? 3 : 10;
  const rounds = quick ? 1 : 2;
  const connections = 10;
  const names = Object.keys(VARIANTS);
  const servers = {};
  try {
    for (const name of names) servers[name] = await startServer(name);
    for (const name of names) {
      await loadUnique(servers[name].url, PATH, 1, connections); // warm-up, not recorded; refuses any non-2xx
    }
    const runs = [];
    for (let round = 1; round <= rounds; round++) {
      for (const name of names) {
        const before = await stats(servers[name]);
        const run = await loadUnique(servers[name].url, PATH, seconds, connections);
        const after = await stats(servers[name]);
        const cpuUsPerRequest = (after.cpuUs - before.cpuUs) / run.requests;
        runs.push({ round, variant: name, ...run, cpuUsPerRequest });
        log(
          `round ${round} ${name.padEnd(26)} ${run.rps.toFixed(0).padStart(7)} req/s  p50 ${run.p50} ms  p99 ${run.p99} ms  server CPU ${cpuUsPerRequest.toFixed(1)} µs/req`,
        );
      }
    }
    const handled = {};
    for (const name of names) {
      handled[name] = (await stats(servers[name])).handled;
      if (!(handled[name] > 0) && name !== EQUAL) throw new Error(`${name}: no delivery reached a handler`);
    }
    const samples = Object.fromEntries(names.map((n) => [n, runs.filter((r) => r.variant === n).map((r) => r.rps)]));
    const value = Object.fromEntries(names.map((n) => [n, median(samples[n])]));
    const medianOf = (name, field) => median(runs.filter((r) => r.variant === name).map((r) => r[field]));
    const p99 = Object.fromEntries(names.map((n) => [n, medianOf(n, 'p99')]));
    const cpu = Object.fromEntries(names.map((n) => [n, medianOf(n, 'cpuUsPerRequest')]));
    const note = `loopback, ${connections} connections x ${seconds} s, ${rounds} round(s) interleaved`;
    const rows = names.map((name) => ({
      group: GROUP,
      name,
      value: value[name],
      unit: 'req/s',
      better: 'higher',
      p99: p99[name],
      cpuUsPerRequest: cpu[name],
      samples: samples[name],
      note: `${VARIANTS[name]}; ${note}`,
      ...(name === BASELINE
        ? {}
        : {
            baseline: BASELINE,
            ratio: value[name] / value[BASELINE],
            ...(name === `${PLUGIN}+dedup` ? { target: '>= 0.95' } : {}),
          }),
    }));
    rows.push({
      group: GROUP,
      name: `${PLUGIN}+dedup vs ${EQUAL}`,
      value: value[`${PLUGIN}+dedup`],
      unit: 'req/s',
      better: 'higher',
      baseline: EQUAL,
      ratio: value[`${PLUGIN}+dedup`] / value[EQUAL],
      note: `the library's overhead over equal work; ${note}`,
    });
    log(`\n${note}`);
    for (const row of rows) {
      if (row.cpuUsPerRequest === undefined) continue;
      const ratio = row.ratio === undefined ? 'baseline     ' : `ratio ${row.ratio.toFixed(3)}x`;
      const cpuRatio = (cpu[BASELINE] / row.cpuUsPerRequest).toFixed(3);
      log(
        `${row.name.padEnd(26)} median ${row.value.toFixed(0).padStart(7)} req/s  ${ratio}  server CPU ${row.cpuUsPerRequest.toFixed(1)} µs/req (CPU ratio ${cpuRatio}x)`,
      );
    }
    for (const name of names) log(`  ${name}: ${VARIANTS[name]}`);
    return { rows, runs, handled, connections, seconds, rounds };
  } finally {
    for (const { child } of Object.values(servers)) child.disconnect();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const serveAt = process.argv.indexOf('--serve');
  if (serveAt !== -1) await serve(process.argv[serveAt + 1]);
  else await runFastifyBench({ quick: process.argv.includes('--quick') });
}
