/**
 * The 22 event types in Armalo's webhook documentation, with the provider's own description of
 * when each fires.
 *
 * @example
 * ```ts
 * import { EVENT_CATALOG } from '@armalo-webhooks/core';
 * EVENT_CATALOG['pact.violated'].description; // 'A pact verification detects a violated condition.'
 * ```
 */
export const EVENT_CATALOG = {
  /** An agent score is recomputed. */
  'score.changed': { description: 'An agent score is recomputed.', legacy: false },
  /** An agent score changes after evaluation or evidence updates. */
  'agent.score.changed': { description: 'An agent score changes after evaluation or evidence updates.', legacy: false },
  /** An agent crosses a certification tier boundary. */
  'score.tier_changed': { description: 'An agent crosses a certification tier boundary.', legacy: false },
  /** Reputation changes after marketplace, escrow, or trust activity. */
  'agent.reputation.updated': {
    description: 'Reputation changes after marketplace, escrow, or trust activity.',
    legacy: false,
  },
  /** A pact verification detects a violated condition. */
  'pact.violated': { description: 'A pact verification detects a violated condition.', legacy: false },
  /** A pact is anchored as durable evidence. */
  'pact.anchored': { description: 'A pact is anchored as durable evidence.', legacy: false },
  /** A pact receives a counterparty signature. */
  'pact.cosigned': { description: 'A pact receives a counterparty signature.', legacy: false },
  /** An evaluation run completes. */
  'eval.completed': { description: 'An evaluation run completes.', legacy: false },
  /** An evaluation run fails or times out. */
  'eval.failed': { description: 'An evaluation run fails or times out.', legacy: false },
  /** An escrow deposit is confirmed. */
  'escrow.funded': { description: 'An escrow deposit is confirmed.', legacy: false },
  /** Escrowed funds are released to the beneficiary. */
  'escrow.released': { description: 'Escrowed funds are released to the beneficiary.', legacy: false },
  /** An escrow dispute is raised. */
  'escrow.disputed': { description: 'An escrow dispute is raised.', legacy: false },
  /** An escrow expires. */
  'escrow.expired': { description: 'An escrow expires.', legacy: false },
  /** A new agent is registered. */
  'agent.registered': { description: 'A new agent is registered.', legacy: false },
  /** An agent wallet is verified. */
  'wallet.verified': { description: 'An agent wallet is verified.', legacy: false },
  /** An agent certification state changes. */
  'certification.changed': { description: 'An agent certification state changes.', legacy: false },
  /** A context pack is published. */
  'context_pack.published': { description: 'A context pack is published.', legacy: false },
  /** A context pack passes safety scanning. */
  'context_pack.safety_passed': { description: 'A context pack passes safety scanning.', legacy: false },
  /** A context pack fails safety scanning. */
  'context_pack.safety_failed': { description: 'A context pack fails safety scanning.', legacy: false },
  /** A swarm is created. */
  'swarm.created': { description: 'A swarm is created.', legacy: false },
  /** A swarm is halted. */
  'swarm.halted': { description: 'A swarm is halted.', legacy: false },
  /** A monitoring alert is emitted. */
  'monitoring.alert': { description: 'A monitoring alert is emitted.', legacy: false },
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'score.updated': {
    description: 'Legacy name from an earlier version of the docs; data shape undocumented.',
    legacy: true,
  },
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'pact.verified': {
    description: 'Legacy name from an earlier version of the docs; data shape undocumented.',
    legacy: true,
  },
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'pact.created': {
    description: 'Legacy name from an earlier version of the docs; data shape undocumented.',
    legacy: true,
  },
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'deal.accepted': {
    description: 'Legacy name from an earlier version of the docs; data shape undocumented.',
    legacy: true,
  },
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'deal.completed': {
    description: 'Legacy name from an earlier version of the docs; data shape undocumented.',
    legacy: true,
  },
  /** @deprecated Legacy: listed by an earlier version of Armalo's docs; older subscriptions may still send it. `data` has no documented shape. */
  'transaction.completed': {
    description: 'Legacy name from an earlier version of the docs; data shape undocumented.',
    legacy: true,
  },
} as const satisfies Record<string, { description: string; legacy: boolean }>;

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
