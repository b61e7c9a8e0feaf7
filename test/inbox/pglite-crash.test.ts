import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { PGlite } from '@electric-sql/pglite';
import { afterAll, expect, it } from 'vitest';
import { keepAliveAgent, post, type ReceiverProcess, startReceiver } from '../stores/processes.js';
import { sleep } from '../stores/servers.js';

// The embedded inbox's promise: a delivery acknowledged is handled, exactly once, even when the
// process is SIGKILLed right after acknowledging it. Each round starts the receiver (web side and
// worker in one process, fixtures/pglite-process.mjs) on the same directory, sends new deliveries
// and re-sends of earlier ones, and kills it the moment the round's acknowledgements are in, with
// deliveries still queued. A last start drains what is left. Every handled delivery writes one row
// through ctx.pg, so a double effect shows as two rows.

const SCRIPT = fileURLToPath(new URL('./fixtures/pglite-process.mjs', import.meta.url));
const SECRET = 'whsec_pglite_crash';
const ROUNDS = 5;
const PER_ROUND = 150;
const RESENDS_PER_ROUND = 30;
const SENDERS = 8;
const dir = mkdtempSync(join(tmpdir(), 'armalo-pglite-crash-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Round {
  round: number;
  startMs: number;
  handledBefore: number;
  acknowledged: number;
}

it(`PGlite inbox: ${ROUNDS} rounds of SIGKILL right after acknowledging; every acknowledged delivery handled, none twice`, async () => {
  const deliveries = Array.from({ length: ROUNDS * PER_ROUND }, (_, n) =>
    createSignedDelivery('score.changed', { ...sampleData('score.changed'), n }, { secret: SECRET }),
  );
  const acknowledged = new Set<number>();
  const rounds: Round[] = [];
  let receiver: ReceiverProcess | undefined;
  try {
    for (let round = 0; round < ROUNDS; round++) {
      receiver = await startReceiver({ DIR: dir, SECRET }, SCRIPT);
      const ready = await receiver.waitFor((message) => typeof message.port === 'number');
      const agent = keepAliveAgent(SENDERS);
      // This round's new deliveries, and re-sends of ones acknowledged in earlier rounds.
      const todo = Array.from({ length: PER_ROUND }, (_, i) => round * PER_ROUND + i);
      for (let i = 0; i < RESENDS_PER_ROUND && round > 0; i++) todo.push((i * 7919) % (round * PER_ROUND));
      let next = 0;
      let answered = 0;
      const victim = receiver;
      const sender = async () => {
        for (let i = next++; i < todo.length; i = next++) {
          const n = todo[i]!;
          const outcome = await post(agent, victim.port, deliveries[n]!);
          if ('status' in outcome && outcome.status === 200) {
            expect(outcome.body.queued === true || outcome.body.duplicate === true).toBe(true);
            acknowledged.add(n);
          }
          // Killed the moment the last acknowledgement is in: others may still be in flight.
          if (++answered === todo.length) victim.child.kill('SIGKILL');
        }
      };
      await Promise.all(Array.from({ length: SENDERS }, sender));
      agent.destroy();
      await new Promise((resolve) =>
        victim.child.exitCode === null ? victim.child.once('exit', resolve) : resolve(0),
      );
      rounds.push({
        round: round + 1,
        startMs: ready.startMs as number,
        handledBefore: ready.handledBefore as number,
        acknowledged: acknowledged.size,
      });
    }

    // The last start drains what the last kill left queued.
    receiver = await startReceiver({ DIR: dir, SECRET }, SCRIPT);
    const last = await receiver.waitFor((message) => typeof message.port === 'number');
    rounds.push({
      round: ROUNDS + 1,
      startMs: last.startMs as number,
      handledBefore: last.handledBefore as number,
      acknowledged: acknowledged.size,
    });
    const deadline = Date.now() + 60_000;
    for (;;) {
      const response = await fetch(`http://127.0.0.1:${receiver.port}/effects`);
      const { n } = (await response.json()) as { n: number };
      if (n >= acknowledged.size || Date.now() > deadline) break;
      await sleep(100);
    }
    await receiver.stop();
  } finally {
    await receiver?.stop();
  }

  const pglite = await PGlite.create(dir);
  const { rows } = await pglite.query<{ n: number; runs: number }>(
    'SELECT n, count(*)::int AS runs FROM effects GROUP BY n',
  );
  await pglite.close();
  const runs = new Map(rows.map((row) => [row.n, row.runs]));
  const missing = [...acknowledged].filter((n) => !runs.has(n));
  const doubled = rows.filter((row) => row.runs > 1).map((row) => row.n);
  // Queued at each kill: acknowledged by then, not yet handled when the next process started.
  const queuedAtKill = rounds.slice(1).map((r, i) => (rounds[i]?.acknowledged ?? 0) - r.handledBefore);
  console.log(
    [
      '| round | start (ms) | handled before this start | acknowledged so far | queued at the previous kill |',
      '|---|---|---|---|---|',
      ...rounds.map(
        (r, i) =>
          `| ${r.round > ROUNDS ? 'drain' : r.round} | ${r.startMs.toFixed(0)} | ${r.handledBefore} | ${r.acknowledged} | ${i === 0 ? '-' : queuedAtKill[i - 1]} |`,
      ),
      `PGlite crash proof: ${ROUNDS} SIGKILLs, ${acknowledged.size} deliveries acknowledged, ${missing.length} missing, ${doubled.length} handled twice`,
    ].join('\n'),
  );
  expect(missing).toEqual([]);
  expect(doubled).toEqual([]);
  // The proof means something only if deliveries were still queued when the process died.
  expect(queuedAtKill.some((queued) => queued > 0)).toBe(true);
}, 300_000);
