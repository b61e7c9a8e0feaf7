import { type AnsweredObservation, type Inbox, observe, type WebhookReceiver } from '@armalo-webhooks/core';
import {
  type Attributes,
  context,
  type Link,
  type MeterProvider,
  metrics,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import { ATTRIBUTES, METRICS, PROCESS_SPAN, RECEIVE_SPAN } from './names.js';

const SCOPE = '@armalo-webhooks/opentelemetry';

/**
 * Options for {@link instrument}.
 *
 * @example
 * ```ts
 * const options: InstrumentOptions = { tracerProvider: provider };
 * ```
 */
export interface InstrumentOptions {
  /** Default: the global tracer provider (`trace.getTracerProvider()`). */
  tracerProvider?: TracerProvider;
  /** Default: the global meter provider (`metrics.getMeterProvider()`). */
  meterProvider?: MeterProvider;
  /** The receiver's inbox, for the backlog and dead-letter gauges (read with `inbox.stats()` at each collection). */
  inbox?: Pick<Inbox, 'stats'>;
}

/**
 * The `armalo.webhook.event` of a metric for an event name neither the catalog nor the receiver's
 * `schemas` knows (core tells: `unknownEvent` on every observation). Anyone holding the secret can
 * sign made-up names; counted by name, each would be a new series. Spans keep the name as sent.
 */
export const UNKNOWN_EVENT = 'unknown';

/** Most attribute sets one counter keeps; more are counted under `otel.metric.overflow`, as the SDK does. */
const MAX_SERIES = 1_000;

/**
 * Traces and measures every exchange of a receiver, whatever adapter mounts it: one span per
 * delivery (a child of the host's HTTP server span when HTTP instrumentation made one), with the
 * event, the code, duplicate, queued and the matched secret index as attributes, error status on a
 * 5xx; and the metrics in {@link METRICS}. With an inbox, the receiving span's context is stored
 * with the delivery and each worker attempt gets a span in the same trace, following the messaging
 * conventions and linked to the receiving span. Returns the function that stops it. With no SDK
 * registered, the OpenTelemetry API is a no-op and so is this.
 *
 * @example
 * ```ts
 * import { instrument } from '@armalo-webhooks/opentelemetry';
 * const webhooks = createWebhookReceiver({ secret: process.env.ARMALO_WEBHOOK_SECRET! });
 * instrument(webhooks); // after the SDK (NodeSDK, or providers you registered) has started
 * ```
 */
export function instrument(
  receiver: Pick<WebhookReceiver<Record<never, never>>, 'receive'>,
  options: InstrumentOptions = {},
): () => void {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(SCOPE);
  // Counted here and handed to the SDK at each collection: an SDK counter hashes its attribute set
  // on every add, which cost more than the rest of a small delivery (bench: receive 300 B with
  // instrumentation on).
  const deliveries = createCount(meter, METRICS.deliveries, 'Deliveries answered, by code, event and secret index');
  const refusals = createCount(meter, METRICS.refusals, 'Deliveries refused (4xx), by code');
  const stale = createCount(meter, METRICS.stale, 'Deliveries older than their freshness key watermark, by event');
  const duration = meter.createHistogram(METRICS.receiveDuration, {
    description: 'From the start of an exchange to its answer',
    unit: 's',
  });
  const attempts = createCount(meter, METRICS.attempts, 'Worker attempts, by outcome and event');
  const processDuration = meter.createHistogram(METRICS.processDuration, {
    description: 'One worker attempt, by outcome',
    unit: 's',
  });
  const stopGauges = options.inbox ? inboxGauges(meter, options.inbox) : () => {};
  const eventLabel = (seen: { event: string; unknownEvent: boolean }): string =>
    seen.unknownEvent ? UNKNOWN_EVENT : seen.event;

  const stopObserving = observe(receiver, {
    // Runs in the host's async context, so an active HTTP server span becomes the parent.
    received: () => tracer.startSpan(RECEIVE_SPAN, { kind: SpanKind.INTERNAL }, context.active()),
    answered(answer, span) {
      const attributes = attributesOf(answer);
      (span as Span).setAttributes({ ...attributes, [ATTRIBUTES.statusCode]: answer.status });
      if (answer.outcome === 'failed')
        (span as Span).setStatus({ code: SpanStatusCode.ERROR, message: answer.code ?? '' });
      (span as Span).end();

      // One count carries code, event and secret index; the histogram has no attributes, since the
      // SDK hashes an attribute set on every record.
      const code = answer.code ?? 'OK';
      const event =
        answer.event === undefined ? undefined : eventLabel({ event: answer.event, unknownEvent: answer.unknownEvent });
      deliveries.add(`${code}|${event}|${answer.secretIndex}`, () => {
        const labels: Attributes = { [ATTRIBUTES.code]: code };
        if (event !== undefined) labels[ATTRIBUTES.event] = event;
        if (answer.secretIndex !== undefined) labels[ATTRIBUTES.secretIndex] = answer.secretIndex;
        return labels;
      });
      duration.record(answer.durations.totalMs / 1000);
      if (answer.outcome === 'refused') refusals.add(code, () => ({ [ATTRIBUTES.code]: code }));
      if (answer.outcome === 'stale')
        stale.add(`${event}`, () => (event === undefined ? {} : { [ATTRIBUTES.event]: event }));
    },
    // Stored with the delivery, so that the worker's attempts join this trace.
    storing(delivery, span) {
      propagation.inject(trace.setSpan(context.active(), span as Span), delivery.trace);
    },
    attemptStarted(attempt) {
      const parent = propagation.extract(ROOT_CONTEXT, attempt.trace);
      const receiving = trace.getSpanContext(parent);
      const links: Link[] = receiving ? [{ context: receiving }] : [];
      return tracer.startSpan(
        PROCESS_SPAN,
        {
          kind: SpanKind.CONSUMER,
          links,
          attributes: {
            [ATTRIBUTES.messagingOperation]: 'process',
            [ATTRIBUTES.messagingSystem]: attempt.engine,
            [ATTRIBUTES.messagingMessageId]: attempt.deliveryId,
            [ATTRIBUTES.event]: attempt.event,
            [ATTRIBUTES.attempt]: attempt.attempt,
            ...(attempt.replayOf === undefined ? {} : { [ATTRIBUTES.replayOf]: attempt.replayOf }),
          },
        },
        parent,
      );
    },
    attemptFinished(result, span) {
      (span as Span).setAttribute(ATTRIBUTES.outcome, result.outcome);
      if (result.outcome === 'stale') (span as Span).setAttribute(ATTRIBUTES.stale, true);
      if (result.error) {
        (span as Span).setAttribute(ATTRIBUTES.code, result.error.code);
        (span as Span).setStatus({ code: SpanStatusCode.ERROR, message: result.error.code });
      }
      (span as Span).end();
      const event = eventLabel(result);
      attempts.add(`${result.outcome}|${event}`, () => ({
        [ATTRIBUTES.outcome]: result.outcome,
        [ATTRIBUTES.event]: event,
      }));
      processDuration.record(result.durationMs / 1000, { [ATTRIBUTES.outcome]: result.outcome });
      // Settled stale by a worker: the same count as a stale answer inline.
      if (result.outcome === 'stale') stale.add(event, () => ({ [ATTRIBUTES.event]: event }));
    },
  });
  return () => {
    stopObserving();
    stopGauges();
    for (const count of [deliveries, refusals, attempts]) count.stop();
  };
}

/**
 * A monotonic count per attribute set, kept in a map under a cheap string key and reported to the
 * SDK as an observable counter (cumulative sums, the same data points an SDK counter exports). At
 * most MAX_SERIES sets; later ones add to one overflow set, so memory stays bounded.
 */
function createCount(meter: ReturnType<MeterProvider['getMeter']>, name: string, description: string) {
  const counts = new Map<string, { attributes: Attributes; value: number }>();
  const counter = meter.createObservableCounter(name, { description });
  const callback = (result: { observe(value: number, attributes?: Attributes): void }) => {
    for (const { value, attributes } of counts.values()) result.observe(value, attributes);
  };
  counter.addCallback(callback);
  const overflow = () => {
    const entry = counts.get(OVERFLOW) ?? { attributes: { 'otel.metric.overflow': true }, value: 0 };
    return counts.set(OVERFLOW, entry) && entry;
  };
  return {
    add(key: string, attributes: () => Attributes): void {
      const entry = counts.get(key) ?? (counts.size < MAX_SERIES ? undefined : overflow());
      if (entry === undefined) counts.set(key, { attributes: attributes(), value: 1 });
      else entry.value++;
    },
    stop: () => counter.removeCallback(callback),
  };
}

// No key `add` is given is empty.
const OVERFLOW = '';

/** Backlog and dead-letter gauges, read from the inbox at each collection. */
function inboxGauges(meter: ReturnType<MeterProvider['getMeter']>, inbox: Pick<Inbox, 'stats'>): () => void {
  const backlog = meter.createObservableGauge(METRICS.backlog, {
    description: 'Deliveries waiting in the inbox, retries included',
  });
  const dead = meter.createObservableGauge(METRICS.dead, { description: 'Dead-lettered deliveries' });
  const callback = async (result: { observe(gauge: typeof backlog, value: number): void }) => {
    const stats = await inbox.stats();
    result.observe(backlog, stats.waiting + stats.delayed);
    result.observe(dead, stats.dead);
  };
  meter.addBatchObservableCallback(callback, [backlog, dead]);
  return () => meter.removeBatchObservableCallback(callback, [backlog, dead]);
}

function attributesOf(answer: AnsweredObservation): Attributes {
  const attributes: Attributes = {
    [ATTRIBUTES.outcome]: answer.outcome,
    [ATTRIBUTES.duplicate]: answer.duplicate,
    [ATTRIBUTES.queued]: answer.queued,
  };
  if (answer.event !== undefined) attributes[ATTRIBUTES.event] = answer.event;
  if (answer.code !== undefined) attributes[ATTRIBUTES.code] = answer.code;
  if (answer.secretIndex !== undefined) attributes[ATTRIBUTES.secretIndex] = answer.secretIndex;
  if (answer.aborted) attributes[ATTRIBUTES.aborted] = true;
  if (answer.outcome === 'stale') attributes[ATTRIBUTES.stale] = true;
  return attributes;
}
