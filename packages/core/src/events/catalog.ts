import type { z } from 'zod';
import { evalCompletedDataSchema, scoreChangedDataSchema, type UnknownData, unknownDataSchema } from './schemas.js';

/**
 * One event: the provider's description of when it fires, whether it is a legacy name, the
 * schema of its `data` and a sample `data` (verbatim from the provider docs where they have one).
 *
 * @example
 * ```ts
 * import { EVENT_CATALOG } from '@armalo-webhooks/core';
 * const row: CatalogRow = EVENT_CATALOG['eval.completed'];
 * row.schema.parse(row.sample);
 * ```
 */
export interface CatalogRow<Schema extends z.ZodType = z.ZodType> {
  readonly description: string;
  readonly legacy: boolean;
  readonly schema: Schema;
  readonly sample: z.output<Schema>;
}

const documented = <Schema extends z.ZodType>(description: string, schema: Schema, sample: z.output<Schema>) =>
  ({ description, legacy: false, schema, sample }) as const;
const undocumented = (description: string, sample: UnknownData) => documented(description, unknownDataSchema, sample);
const legacy = {
  description: 'Legacy name from an earlier version of the docs; data shape undocumented.',
  legacy: true,
  schema: unknownDataSchema,
  sample: {},
} as const;

/**
 * The event catalog, one row per event: the 22 names of Armalo's webhook documentation in the
 * order of its table, then the legacy names an earlier version listed. Names, types, JSDoc, the
 * test kit's samples and the CLI's `events` all come from here; adding an event is one row.
 * Only `score.changed` and `eval.completed` have a documented payload; the samples of the others
 * are illustrative, and their `data` may be any object.
 *
 * @example
 * ```ts
 * import { EVENT_CATALOG } from '@armalo-webhooks/core';
 * EVENT_CATALOG['pact.violated'].description; // 'A pact verification detects a violated condition.'
 * ```
 */
export const EVENT_CATALOG = {
  /** An agent score is recomputed. */
  'score.changed': documented('An agent score is recomputed.', scoreChangedDataSchema, {
    agentId: 'YOUR_AGENT_ID',
    compositeScore: 862,
    certificationTier: 'gold',
    previousScore: 847,
    dimensions: {
      accuracy: 0.93,
      reliability: 0.96,
      latency: 0.84,
      safety: 0.97,
      costEfficiency: 0.79,
      security: 0.88,
    },
  }),
  /** An agent score changes after evaluation or evidence updates. */
  'agent.score.changed': undocumented('An agent score changes after evaluation or evidence updates.', {
    agentId: 'YOUR_AGENT_ID',
    compositeScore: 862,
    previousScore: 847,
  }),
  /** An agent crosses a certification tier boundary. */
  'score.tier_changed': undocumented('An agent crosses a certification tier boundary.', {
    agentId: 'YOUR_AGENT_ID',
    previousTier: 'silver',
    certificationTier: 'gold',
  }),
  /** Reputation changes after marketplace, escrow, or trust activity. */
  'agent.reputation.updated': undocumented('Reputation changes after marketplace, escrow, or trust activity.', {
    agentId: 'YOUR_AGENT_ID',
    reputationScore: 0.91,
    source: 'escrow',
  }),
  /** A pact verification detects a violated condition. */
  'pact.violated': undocumented('A pact verification detects a violated condition.', {
    pactId: 'YOUR_PACT_ID',
    agentId: 'YOUR_AGENT_ID',
    condition: 'latency_p95_ms <= 800',
  }),
  /** A pact is anchored as durable evidence. */
  'pact.anchored': undocumented('A pact is anchored as durable evidence.', {
    pactId: 'YOUR_PACT_ID',
    agentId: 'YOUR_AGENT_ID',
  }),
  /** A pact receives a counterparty signature. */
  'pact.cosigned': undocumented('A pact receives a counterparty signature.', {
    pactId: 'YOUR_PACT_ID',
    agentId: 'YOUR_AGENT_ID',
    counterpartyId: 'COUNTERPARTY_ID',
  }),
  /** An evaluation run completes. */
  'eval.completed': documented('An evaluation run completes.', evalCompletedDataSchema, {
    evalId: 'eval_def456',
    agentId: 'YOUR_AGENT_ID',
    pactId: 'YOUR_PACT_ID',
    passed: true,
    checksTotal: 3,
    checksPassed: 3,
  }),
  /** An evaluation run fails or times out. */
  'eval.failed': undocumented('An evaluation run fails or times out.', {
    evalId: 'eval_ghi789',
    agentId: 'YOUR_AGENT_ID',
    pactId: 'YOUR_PACT_ID',
    reason: 'timeout',
  }),
  /** An escrow deposit is confirmed. */
  'escrow.funded': undocumented('An escrow deposit is confirmed.', {
    escrowId: 'esc_123',
    agentId: 'YOUR_AGENT_ID',
    amount: '250.00',
    currency: 'USDC',
  }),
  /** Escrowed funds are released to the beneficiary. */
  'escrow.released': undocumented('Escrowed funds are released to the beneficiary.', {
    escrowId: 'esc_123',
    agentId: 'YOUR_AGENT_ID',
    amount: '250.00',
    currency: 'USDC',
  }),
  /** An escrow dispute is raised. */
  'escrow.disputed': undocumented('An escrow dispute is raised.', {
    escrowId: 'esc_123',
    agentId: 'YOUR_AGENT_ID',
    reason: 'deliverable not met',
  }),
  /** An escrow expires. */
  'escrow.expired': undocumented('An escrow expires.', { escrowId: 'esc_123', agentId: 'YOUR_AGENT_ID' }),
  /** A new agent is registered. */
  'agent.registered': undocumented('A new agent is registered.', { agentId: 'YOUR_AGENT_ID', name: 'my-agent' }),
  /** An agent wallet is verified. */
  'wallet.verified': undocumented('An agent wallet is verified.', {
    agentId: 'YOUR_AGENT_ID',
    walletAddress: '0x0000000000000000000000000000000000000000',
  }),
  /** An agent certification state changes. */
  'certification.changed': undocumented('An agent certification state changes.', {
    agentId: 'YOUR_AGENT_ID',
    previousTier: 'silver',
    certificationTier: 'gold',
  }),
  /** A context pack is published. */
  'context_pack.published': undocumented('A context pack is published.', {
    contextPackId: 'cp_123',
    agentId: 'YOUR_AGENT_ID',
  }),
  /** A context pack passes safety scanning. */
  'context_pack.safety_passed': undocumented('A context pack passes safety scanning.', { contextPackId: 'cp_123' }),
  /** A context pack fails safety scanning. */
  'context_pack.safety_failed': undocumented('A context pack fails safety scanning.', {
    contextPackId: 'cp_123',
    findings: ['prompt-injection'],
  }),
  /** A swarm is created. */
  'swarm.created': undocumented('A swarm is created.', { swarmId: 'swarm_123', agentIds: ['YOUR_AGENT_ID'] }),
  /** A swarm is halted. */
  'swarm.halted': undocumented('A swarm is halted.', { swarmId: 'swarm_123', reason: 'manual stop' }),
  /** A monitoring alert is emitted. */
  'monitoring.alert': undocumented('A monitoring alert is emitted.', {
    agentId: 'YOUR_AGENT_ID',
    severity: 'warning',
    message: 'error rate above threshold',
  }),
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'score.updated': legacy,
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'pact.verified': legacy,
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'pact.created': legacy,
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'deal.accepted': legacy,
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'deal.completed': legacy,
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'transaction.completed': legacy,
} as const satisfies Record<string, CatalogRow>;

/**
 * Every event name the catalog knows: the 22 documented ones and the legacy ones.
 *
 * @example
 * ```ts
 * const name: CatalogEventName = 'deal.accepted';
 * ```
 */
export type CatalogEventName = keyof typeof EVENT_CATALOG;

type NamesWhere<Legacy extends boolean> = {
  [K in CatalogEventName]: (typeof EVENT_CATALOG)[K]['legacy'] extends Legacy ? K : never;
}[CatalogEventName];

/**
 * One of the 22 event names in Armalo's current documentation.
 *
 * @example
 * ```ts
 * const name: EventName = 'escrow.released';
 * ```
 */
export type EventName = NamesWhere<false>;

/**
 * An event name from an earlier version of the provider docs, still routable.
 *
 * @example
 * ```ts
 * const name: LegacyEventName = 'score.updated';
 * ```
 */
export type LegacyEventName = NamesWhere<true>;

/**
 * The `data` type of each catalog event, from its row's schema.
 *
 * @example
 * ```ts
 * type Score = EventDataMap['score.changed']['compositeScore']; // number
 * ```
 */
export type EventDataMap = { [K in CatalogEventName]: z.output<(typeof EVENT_CATALOG)[K]['schema']> };

const catalogNames = Object.keys(EVENT_CATALOG) as CatalogEventName[];

/**
 * The 22 documented event names, in the order of the provider's table.
 *
 * @example
 * ```ts
 * import { EVENT_NAMES } from '@armalo-webhooks/core';
 * EVENT_NAMES.length; // 22
 * ```
 */
export const EVENT_NAMES: readonly EventName[] = catalogNames.filter(
  (name): name is EventName => !EVENT_CATALOG[name].legacy,
);

/**
 * The legacy event names: routable with `on()`, with `data` of unknown shape.
 *
 * @example
 * ```ts
 * import { LEGACY_EVENT_NAMES } from '@armalo-webhooks/core';
 * LEGACY_EVENT_NAMES.includes('deal.accepted'); // true
 * ```
 */
export const LEGACY_EVENT_NAMES: readonly LegacyEventName[] = catalogNames.filter(
  (name): name is LegacyEventName => EVENT_CATALOG[name].legacy,
);

/**
 * Whether a string is a name in the catalog (documented or legacy).
 *
 * @example
 * ```ts
 * isCatalogEventName('score.changed'); // true
 * ```
 */
export function isCatalogEventName(name: string): name is CatalogEventName {
  return Object.hasOwn(EVENT_CATALOG, name);
}
