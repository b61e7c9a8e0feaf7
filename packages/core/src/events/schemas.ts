import { z } from 'zod';

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

const timestampSchema = envelopeSchema.shape.timestamp;

/**
 * The envelope's timestamp rule, for tools that build or check deliveries (the CLI uses it): an
 * ISO-8601 date-time with `Z` or an offset, as the receiver accepts it. Returns the time in
 * milliseconds, or `undefined` for anything the receiver would refuse.
 *
 * @example
 * ```ts
 * import { parseEventTimestamp } from '@armalo-webhooks/core';
 * parseEventTimestamp('2026-03-16T10:05:00.000Z'); // 1773655500000
 * parseEventTimestamp('2026-03-16 10:05'); // undefined
 * ```
 */
export function parseEventTimestamp(value: unknown): number | undefined {
  return timestampSchema.safeParse(value).success ? Date.parse(value as string) : undefined;
}

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
