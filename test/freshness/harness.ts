import { createSignedDelivery } from '@armalo-webhooks/core/testing';

// The freshness proof's shared parts, for every path that runs it (two web processes on a store
// here; the inbox engines with two workers in their own tests): the plan of deliveries, a sender
// that retries like Armalo would, and the accounting. Nothing here knows where deliveries go.

/** Both Armalo event names for an agent's score: one freshness key (the agent) for the two. */
export const SCORE_EVENTS = ['score.changed', 'agent.score.changed'] as const;

/** The receiver option the proof runs with (also written out in the fixtures, which are plain JS). */
export const PROOF_FRESHNESS = {
  'score.changed': (event: { data: { agentId: string } }) => `agent-score:${event.data.agentId}`,
  'agent.score.changed': (event: { data: unknown }) =>
    `agent-score:${String((event.data as { agentId: unknown }).agentId)}`,
};

/** One delivery of the plan: the `version`-th state of agent `key`, signed. */
export interface PlannedDelivery {
  /** Unique per delivery: its position in the plan before shuffling. */
  seq: number;
  /** The agent (the freshness key is `agent-score:<key>`). */
  key: string;
  /** 1, 2, … per key, in event-time order; the newest one is the key's final state. */
  version: number;
  timestampMs: number;
  event: (typeof SCORE_EVENTS)[number];
  body: string;
  headers: Record<string, string>;
}

/** The deliveries and the order they are sent in: shuffled, with some sent twice. */
export interface Plan {
  deliveries: PlannedDelivery[];
  /** Indexes into `deliveries`, in sending order; a duplicate appears twice, the second copy later. */
  order: number[];
  /** Per key, the newest version. */
  newest: Map<string, number>;
}

/** A small seeded PRNG (mulberry32), so a failing run can be replayed with its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * `deliveries` score updates spread over `keys` agents, each agent's timestamps one second apart
 * (all inside the default replay window), alternating between the two score event names; sent in
 * a shuffled order in which `duplicateRate` of them appear a second time, later.
 */
export function buildPlan(options: {
  secret: string;
  keys: number;
  deliveries: number;
  duplicateRate: number;
  seed: number;
}): Plan {
  const random = seededRandom(options.seed);
  const base = Date.now() - 3_600_000;
  const versions = new Map<string, number>();
  const deliveries: PlannedDelivery[] = [];
  for (let seq = 0; seq < options.deliveries; seq++) {
    const key = `agent-${seq % options.keys}`;
    const version = (versions.get(key) ?? 0) + 1;
    versions.set(key, version);
    const timestampMs = base + version * 1_000;
    const event = SCORE_EVENTS[seq % 2] as PlannedDelivery['event'];
    const data = {
      agentId: key,
      compositeScore: version,
      previousScore: version - 1,
      certificationTier: 'gold',
      dimensions: { accuracy: 1, reliability: 1, latency: 1, safety: 1, costEfficiency: 1, security: 1 },
      seq,
    };
    const signed = createSignedDelivery(event, data, { secret: options.secret, timestamp: new Date(timestampMs) });
    deliveries.push({ seq, key, version, timestampMs, event, body: signed.body, headers: { ...signed.headers } });
  }
  const order = deliveries.map((_, index) => index);
  shuffle(order, random);
  // A duplicate goes somewhere after its first copy: Armalo re-sending a delivery it already sent.
  for (const index of deliveries.map((_, i) => i)) {
    if (random() >= options.duplicateRate) continue;
    const first = order.indexOf(index);
    const at = first + 1 + Math.floor(random() * (order.length - first));
    order.splice(at, 0, index);
  }
  return { deliveries, order, newest: versions };
}

function shuffle(items: number[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as number, items[i] as number];
  }
}

/** How a receiver answered one request. */
export type Answer = { status: number; body: Record<string, unknown> } | { error: string };

/** The final answer to each copy sent, and what it took to get there. */
export interface SendTally {
  /** Per copy sent (in `order`), the 2xx body that acknowledged it; `undefined` if none came. */
  acknowledged: (Record<string, unknown> | undefined)[];
  requests: number;
  /** 500 answers (the injected transient handler failures), each retried after a delay. */
  failedAnswers: number;
  /** 409 answers: the delivery or its key was held by another attempt. */
  inProgress: number;
  /** Anything else (network errors, 503s), retried. */
  other: Map<string, number>;
}

/**
 * Sends every copy in `plan.order` with `workers` in parallel, each until a 2xx, as Armalo does: a
 * 500 is retried after a delay (a short one here), a 409 after a pause. `send(delivery, attempt)`
 * chooses where a request goes (for example alternating between two processes by attempt).
 */
export async function sendPlan(
  plan: Plan,
  send: (delivery: PlannedDelivery, attempt: number) => Promise<Answer>,
  options: { workers: number; deadlineMs: number; seed: number },
): Promise<SendTally> {
  const random = seededRandom(options.seed ^ 0x5bd1e995);
  const tally: SendTally = {
    acknowledged: new Array(plan.order.length).fill(undefined),
    requests: 0,
    failedAnswers: 0,
    inProgress: 0,
    other: new Map(),
  };
  const deadline = Date.now() + options.deadlineMs;
  let next = 0;
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
  await Promise.all(
    Array.from({ length: options.workers }, async () => {
      while (next < plan.order.length) {
        const position = next++;
        const delivery = plan.deliveries[plan.order[position] as number] as PlannedDelivery;
        for (let attempt = 0; Date.now() < deadline; attempt++) {
          tally.requests++;
          const answer = await send(delivery, attempt);
          if ('status' in answer && answer.status >= 200 && answer.status < 300) {
            tally.acknowledged[position] = answer.body;
            break;
          }
          if ('status' in answer && answer.status === 500) {
            tally.failedAnswers++;
            // A delayed retry: other deliveries of the key may overtake it meanwhile.
            await sleep(5 + Math.floor(random() * 60));
          } else if ('status' in answer && answer.status === 409) {
            tally.inProgress++;
            await sleep(2 + Math.floor(random() * 10));
          } else {
            const label = 'status' in answer ? `${answer.status} ${String(answer.body.code)}` : answer.error;
            tally.other.set(label, (tally.other.get(label) ?? 0) + 1);
            await sleep(20);
          }
        }
      }
    }),
  );
  return tally;
}

/** One handler run, as the receiver recorded it. */
export interface HandlerRun {
  seq: number;
  key: string;
  timestampMs: number;
  /** The key's state when the handler started: the timestamp of the newest state written (or null). */
  stateSeenMs: number | null;
  /** `ctx.freshness.watermark` (or null). */
  watermarkSeenMs: number | null;
  succeeded: boolean;
}

/** The accounting of one proof run: what the lead quotes, and what must be zero. */
export interface Accounting {
  /** Distinct deliveries in the plan, and copies sent (duplicates included). */
  deliveries: number;
  copiesSent: number;
  requests: number;
  handled: number;
  duplicate: number;
  stale: number;
  /** Handler runs that failed (injected), each answered 500 and retried by the sender. */
  transientFailures: number;
  inProgress: number;
  /** Copies never acknowledged. */
  missing: number;
  /** Deliveries whose outcome does not add up (handled answers ≠ successful runs, or handled and stale). */
  unaccounted: number;
  /** Handler runs for a delivery older than its key's state at that moment, or than the watermark seen. */
  olderThanWatermark: number;
  /** Keys whose final stored state is not their newest version. */
  wrongFinalState: number;
}

/**
 * Adds up a run: `runs` from the receivers' record, `finalState` the key → version read back from
 * where the handlers wrote it.
 */
export function account(
  plan: Plan,
  tally: SendTally,
  runs: readonly HandlerRun[],
  finalState: ReadonlyMap<string, number>,
): Accounting {
  const answers = { handled: 0, duplicate: 0, stale: 0, missing: 0 };
  const perSeq = new Map<number, { handled: number; stale: number; duplicate: number }>();
  tally.acknowledged.forEach((body, position) => {
    const seq = (plan.deliveries[plan.order[position] as number] as PlannedDelivery).seq;
    const counts = perSeq.get(seq) ?? { handled: 0, stale: 0, duplicate: 0 };
    perSeq.set(seq, counts);
    if (body === undefined) answers.missing++;
    else if (body.duplicate === true) {
      answers.duplicate++;
      counts.duplicate++;
    } else if (body.stale === true) {
      answers.stale++;
      counts.stale++;
    } else {
      answers.handled++;
      counts.handled++;
    }
  });
  const succeeded = new Map<number, number>();
  for (const run of runs) if (run.succeeded) succeeded.set(run.seq, (succeeded.get(run.seq) ?? 0) + 1);
  let unaccounted = 0;
  for (const [seq, counts] of perSeq) {
    const ran = succeeded.get(seq) ?? 0;
    // Exactly-once: a delivery answered `handled` ran successfully once; one never handled never did.
    if (counts.handled > 1 || ran !== counts.handled) unaccounted++;
    // A duplicate answer needs a completed earlier copy.
    else if (counts.duplicate > 0 && counts.handled === 0) unaccounted++;
  }
  const olderThanWatermark = runs.filter(
    (run) =>
      (run.stateSeenMs !== null && run.timestampMs < run.stateSeenMs) ||
      (run.watermarkSeenMs !== null && run.timestampMs < run.watermarkSeenMs),
  ).length;
  let wrongFinalState = 0;
  for (const [key, newest] of plan.newest) if (finalState.get(key) !== newest) wrongFinalState++;
  return {
    deliveries: plan.deliveries.length,
    copiesSent: plan.order.length,
    requests: tally.requests,
    handled: answers.handled,
    duplicate: answers.duplicate,
    stale: answers.stale,
    transientFailures: runs.filter((run) => !run.succeeded).length,
    inProgress: tally.inProgress,
    missing: answers.missing,
    unaccounted,
    olderThanWatermark,
    wrongFinalState,
  };
}

/** The accounting as a table to print and quote. */
export function formatAccounting(title: string, a: Accounting): string {
  const rows: [string, number][] = [
    ['deliveries (distinct)', a.deliveries],
    ['copies sent (with duplicates)', a.copiesSent],
    ['HTTP requests (with retries)', a.requests],
    ['acknowledged handled', a.handled],
    ['acknowledged duplicate', a.duplicate],
    ['acknowledged stale', a.stale],
    ['transient handler failures (500, retried)', a.transientFailures],
    ['409 in progress (key or delivery held, retried)', a.inProgress],
    ['missing (never acknowledged)', a.missing],
    ['unaccounted (outcome does not add up)', a.unaccounted],
    ['handler runs older than the watermark', a.olderThanWatermark],
    ['keys with a wrong final state', a.wrongFinalState],
  ];
  const width = Math.max(...rows.map(([label]) => label.length));
  return [title, ...rows.map(([label, value]) => `  ${label.padEnd(width)}  ${String(value).padStart(6)}`)].join('\n');
}
