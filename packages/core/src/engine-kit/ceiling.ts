/**
 * The most tries an engine lets a job have. Core's worker decides when a delivery stops
 * (`retry.attempts`, default 5) and tells the engine to retry or dead-letter; this ceiling only
 * keeps an engine from retrying forever if that decision never arrives (a worker that dies on
 * every try before deciding).
 *
 * @example
 * ```ts
 * import { ATTEMPT_CEILING } from '@armalo-webhooks/core/engine-kit';
 * await queue.add(name, data, { attempts: ATTEMPT_CEILING });
 * ```
 */
export const ATTEMPT_CEILING = 1000;
