// Per-request overhead of @armalo-webhooks/next's App Router handler against a hand-written
// route.ts that does what the provider's docs show: `await req.text()`, HMAC-SHA256 with
// createHmac, timingSafeEqual, JSON.parse, call the handler, answer JSON.
//
// Both POST functions are called in process with a fresh `Request` each time (the same way
// Next.js calls a route handler, minus the server), in alternating rounds so that both see the
// same machine state. Reported per candidate: the median over rounds of the mean wall time and
// of this process's CPU time per request (CPU time is steadier when other processes share the
// cores), with the interquartile range over rounds.
//
// Candidates:
//   hand-written       the baseline route.ts (no envelope or data validation, no replay window,
//                      no idempotency, no size limit while reading)
//   next (no dedup)    createRouteHandler with `idempotency: false`: the same work plus the
//                      library's checks (content type, streamed size limit, envelope and data
//                      schemas, replay window)
//   next (default)     createRouteHandler with the defaults, including the in-memory
//                      idempotency store (claim + complete per delivery; a fresh store per round
//                      and unique bodies, so nothing is a duplicate)
//
// Run: node bench/src/next.js [--quick]   (after `pnpm build`). No --expose-gc: forcing a full GC
// between rounds made every candidate several times slower on Node 20, hiding the differences.
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createRouteHandler } from '@armalo-webhooks/next';
import { envelopeBody, SECRET, sign } from './fixtures.js';

const URL_ = 'http://localhost/api/webhooks/armalo';

let sink = 0;
const onEvent = (event) => {
  sink += event.event.length;
};

/** The baseline: a route.ts written by hand from the provider's docs. */
async function handWrittenPOST(req) {
  const rawBody = await req.text();
  const signature = req.headers.get('x-armalo-signature') ?? '';
  const expected = createHmac('sha256', SECRET).update(rawBody).digest();
  const given = Buffer.from(signature, 'hex');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return Response.json({ error: 'Invalid signature' }, { status: 401 });
  }
  const event = JSON.parse(rawBody);
  await onEvent(event);
  return Response.json({ ok: true });
}

function libraryPOST(options) {
  const webhooks = createWebhookReceiver({ secret: SECRET, ...options }).onAny(onEvent);
  return createRouteHandler(webhooks).POST;
}

function deliveries(bytes, count) {
  const out = [];
  for (let seq = 0; seq < count; seq++) {
    const body = new TextEncoder().encode(envelopeBody(bytes, seq));
    out.push({ body, headers: { 'content-type': 'application/json', 'x-armalo-signature': sign(body) } });
  }
  return out;
}

/** Wall time and this process's CPU time per request, in nanoseconds. */
async function timeRound(POST, pool) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (const d of pool) {
    const response = await POST(new Request(URL_, { method: 'POST', headers: d.headers, body: d.body }));
    if (response.status !== 200) throw new Error(`unexpected ${response.status}: ${await response.text()}`);
    sink += response.status;
  }
  const wall = Number(process.hrtime.bigint() - start) / pool.length;
  const used = process.cpuUsage(cpu);
  return { wall, cpu: ((used.user + used.system) * 1000) / pool.length };
}

function quantile(values, q) {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (sorted.length - 1) * q;
  const low = Math.floor(at);
  return sorted[low] + (sorted[Math.ceil(at)] - sorted[low]) * (at - low);
}

const median = (values) => quantile(values, 0.5);

/**
 * Runs the comparison and prints a table. Returns, per body size, each candidate's medians in
 * nanoseconds per request and its overhead over the hand-written route.
 *
 * @param {{ quick?: boolean }} [options]
 */
export async function runNextBench({ quick = false } = {}) {
  const rounds = quick ? 5 : 15;
  const perRound = quick ? 1000 : 3000;
  const sizes = quick ? [300] : [300, 4096];
  const results = [];
  for (const bytes of sizes) {
    const pool = deliveries(bytes, perRound);
    const candidates = [
      { name: 'hand-written route.ts', make: () => handWrittenPOST },
      { name: 'next createRouteHandler (idempotency off)', make: () => libraryPOST({ idempotency: false }) },
      { name: 'next createRouteHandler (defaults, memory store)', make: () => libraryPOST({}) },
    ];
    const wall = candidates.map(() => []);
    const cpu = candidates.map(() => []);
    // Warm-up: JIT every path before measuring.
    for (const c of candidates) await timeRound(c.make(), pool.slice(0, 500));
    for (let round = 0; round < rounds; round++) {
      const order = candidates.map((_, i) => i);
      if (round % 2 === 1) order.reverse();
      // A fresh receiver (and store) per round: the pool is reused, and must never be a duplicate.
      for (const i of order) {
        const t = await timeRound(candidates[i].make(), pool);
        wall[i].push(t.wall);
        cpu[i].push(t.cpu);
      }
    }
    const us = (ns) => (ns / 1000).toFixed(1);
    const spread = (values) => `${us(quantile(values, 0.25))}-${us(quantile(values, 0.75))}`;
    const row = { bytes, candidates: [] };
    console.log(`\n${bytes} B body, ${rounds} rounds x ${perRound} requests; µs per request, median of rounds (IQR)`);
    console.log(
      `  ${''.padEnd(50)} ${'wall'.padStart(20)} ${'cpu'.padStart(20)}   overhead vs hand-written (wall / cpu)`,
    );
    candidates.forEach((c, i) => {
      const w = median(wall[i]);
      const p = median(cpu[i]);
      const overheadWall = w - median(wall[0]);
      const overheadCpu = p - median(cpu[0]);
      row.candidates.push({
        name: c.name,
        wallNs: w,
        cpuNs: p,
        overheadWallNs: overheadWall,
        overheadCpuNs: overheadCpu,
      });
      const overhead =
        i === 0
          ? ''
          : `${overheadWall >= 0 ? '+' : ''}${us(overheadWall)} / ${overheadCpu >= 0 ? '+' : ''}${us(overheadCpu)}`;
      console.log(
        `  ${c.name.padEnd(50)} ${`${us(w)} (${spread(wall[i])})`.padStart(20)} ${`${us(p)} (${spread(cpu[i])})`.padStart(20)}   ${overhead}`,
      );
    });
    results.push(row);
  }
  if (sink === -1) console.log(sink);
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await runNextBench({ quick: process.argv.includes('--quick') });
}
