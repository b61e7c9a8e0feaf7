import { z } from 'zod';
import type { CatalogEventName } from './catalog.js';

/**
 * The envelope every delivery shares. Extra top-level fields are kept, not stripped.
 *
 * @example
 * ```ts
 * import { envelopeSchema } from '@armalo-webhooks/core';
 * envelopeSchema.parse({ event: 'score.changed', timestamp: '2026-03-16T10:05:00.000Z', data: {} });
 * ```
 */
export const envelopeSchema = z.looseObject({
  event: z.string().min(1),
  timestamp: z.iso.datetime({ offset: true }),
  data: z.record(z.string(), z.unknown()),
});

/**
 * A validated envelope, before its `data` is checked against the event's own schema.
 *
 * @example
 * ```ts
 * const envelope: Envelope = { event: 'eval.failed', timestamp: '2026-03-16T10:00:00Z', data: {} };
 * ```
 */
export type Envelope = z.output<typeof envelopeSchema>;

/**
 * `data` of `score.changed`, exactly as documented. Extra fields pass through to handlers.
 *
 * @example
 * ```ts
 * import { scoreChangedDataSchema } from '@armalo-webhooks/core';
 * scoreChangedDataSchema.shape.compositeScore; // z.number()
 * ```
 */
export const scoreChangedDataSchema = z.looseObject({
  agentId: z.string(),
  compositeScore: z.number(),
  certificationTier: z.string(),
  previousScore: z.number(),
  dimensions: z.looseObject({
    accuracy: z.number(),
    reliability: z.number(),
    latency: z.number(),
    safety: z.number(),
    costEfficiency: z.number(),
    security: z.number(),
  }),
});

/**
 * The payload of `score.changed`.
 *
 * @example
 * ```ts
 * const score = (data: ScoreChangedData) => data.compositeScore;
 * ```
 */
export type ScoreChangedData = z.output<typeof scoreChangedDataSchema>;

/**
 * `data` of `eval.completed`, exactly as documented. Extra fields pass through to handlers.
 *
 * @example
 * ```ts
 * import { evalCompletedDataSchema } from '@armalo-webhooks/core';
 * evalCompletedDataSchema.parse({ evalId: 'e', agentId: 'a', pactId: 'p', passed: true, checksTotal: 3, checksPassed: 3 });
 * ```
 */
export const evalCompletedDataSchema = z.looseObject({
  evalId: z.string(),
  agentId: z.string(),
  pactId: z.string(),
  passed: z.boolean(),
  checksTotal: z.number(),
  checksPassed: z.number(),
});

/**
 * The payload of `eval.completed`.
 *
 * @example
 * ```ts
 * const passed = (data: EvalCompletedData) => data.passed;
 * ```
 */
export type EvalCompletedData = z.output<typeof evalCompletedDataSchema>;

/**
 * `data` of the events whose payload the provider has not documented: any JSON object.
 * No field is required; narrow it yourself or supply a schema through the `schemas` option.
 *
 * @example
 * ```ts
 * import { unknownDataSchema } from '@armalo-webhooks/core';
 * unknownDataSchema.parse({ anything: 1 });
 * ```
 */
export const unknownDataSchema = z.record(z.string(), z.unknown());

/**
 * The payload type of an event whose shape is not documented.
 *
 * @example
 * ```ts
 * const read = (data: UnknownData) => data['pactId'];
 * ```
 */
export type UnknownData = z.output<typeof unknownDataSchema>;

/**
 * The `data` schema of every catalog event. Only `score.changed` and `eval.completed` have a
 * documented shape; the others accept any object.
 *
 * @example
 * ```ts
 * import { eventDataSchemas } from '@armalo-webhooks/core';
 * eventDataSchemas['eval.completed'].safeParse(payload.data);
 * ```
 */
export const eventDataSchemas = {
  'score.changed': scoreChangedDataSchema,
  'agent.score.changed': unknownDataSchema,
  'score.tier_changed': unknownDataSchema,
  'agent.reputation.updated': unknownDataSchema,
  'pact.violated': unknownDataSchema,
  'pact.anchored': unknownDataSchema,
  'pact.cosigned': unknownDataSchema,
  'eval.completed': evalCompletedDataSchema,
  'eval.failed': unknownDataSchema,
  'escrow.funded': unknownDataSchema,
  'escrow.released': unknownDataSchema,
  'escrow.disputed': unknownDataSchema,
  'escrow.expired': unknownDataSchema,
  'agent.registered': unknownDataSchema,
  'wallet.verified': unknownDataSchema,
  'certification.changed': unknownDataSchema,
  'context_pack.published': unknownDataSchema,
  'context_pack.safety_passed': unknownDataSchema,
  'context_pack.safety_failed': unknownDataSchema,
  'swarm.created': unknownDataSchema,
  'swarm.halted': unknownDataSchema,
  'monitoring.alert': unknownDataSchema,
  'score.updated': unknownDataSchema,
  'pact.verified': unknownDataSchema,
  'pact.created': unknownDataSchema,
  'deal.accepted': unknownDataSchema,
  'deal.completed': unknownDataSchema,
  'transaction.completed': unknownDataSchema,
} as const satisfies Record<CatalogEventName, z.ZodType>;

/**
 * The `data` type of each catalog event, inferred from {@link eventDataSchemas}.
 *
 * @example
 * ```ts
 * type Score = EventDataMap['score.changed']['compositeScore']; // number
 * ```
 */
export type EventDataMap = { [K in CatalogEventName]: z.output<(typeof eventDataSchemas)[K]> };
