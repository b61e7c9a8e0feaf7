import { createInboxWorker, createMemoryInbox, createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { ATTRIBUTES, instrument, METRICS, PROCESS_SPAN, RECEIVE_SPAN } from '@armalo-webhooks/opentelemetry';
import { context, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterAll, describe, expect, it, vi } from 'vitest';

const SECRET = 'whsec_otel_inbox_52ad';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });

afterAll(async () => {
  await tracerProvider.shutdown();
  propagation.disable();
  context.disable();
});

describe('instrument() with an inbox', () => {
  it('stores the receiving span with the delivery; each worker attempt is a messaging span of the same trace, linked to it', async () => {
    const inbox = createMemoryInbox();
    const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn() {}, error() {} } });
    let calls = 0;
    webhooks.on('score.changed', () => {
      calls++;
      if (calls === 1) throw new Error('database down');
    });
    instrument(webhooks, { tracerProvider, meterProvider, inbox });

    // The host's HTTP server span, as instrumentation-http would make it.
    const http = tracerProvider.getTracer('test').startSpan('POST /webhooks/armalo', { kind: SpanKind.SERVER });
    const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const result = await context.with(trace.setSpan(context.active(), http), () =>
      webhooks.receive({ rawBody: body, headers, method: 'POST' }),
    );
    http.end();
    expect(result.body).toEqual({ ok: true, queued: true });

    const worker = createInboxWorker(webhooks, { retry: { attempts: 3, baseMs: 10, maxMs: 20 } });
    await worker.start();
    await vi.waitFor(() => expect(calls).toBe(2), { timeout: 5_000 });
    await vi.waitFor(() => expect(exporter.getFinishedSpans().filter((s) => s.name === PROCESS_SPAN)).toHaveLength(2));
    await worker.stop();

    const spans = exporter.getFinishedSpans();
    const receiving = spans.find((span) => span.name === RECEIVE_SPAN)!;
    const attempts = spans.filter((span) => span.name === PROCESS_SPAN);
    const traceId = http.spanContext().traceId;
    expect(receiving.spanContext().traceId).toBe(traceId);
    expect(receiving.parentSpanContext?.spanId).toBe(http.spanContext().spanId);
    expect(receiving.attributes[ATTRIBUTES.queued]).toBe(true);
    for (const span of attempts) {
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.spanContext().traceId).toBe(traceId);
      expect(span.parentSpanContext?.spanId).toBe(receiving.spanContext().spanId);
      expect(span.links.map((link) => link.context.spanId)).toEqual([receiving.spanContext().spanId]);
      expect(span.attributes).toMatchObject({
        [ATTRIBUTES.messagingOperation]: 'process',
        [ATTRIBUTES.messagingSystem]: 'memory',
        [ATTRIBUTES.messagingMessageId]: result.meta.idempotencyKey,
        [ATTRIBUTES.event]: 'score.changed',
      });
    }
    expect(attempts.map((span) => [span.attributes[ATTRIBUTES.attempt], span.attributes[ATTRIBUTES.outcome]])).toEqual([
      [1, 'retrying'],
      [2, 'succeeded'],
    ]);
    expect(attempts[0]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attempts[0]?.attributes[ATTRIBUTES.code]).toBe('HANDLER_FAILED');
    expect(attempts[1]?.status.code).not.toBe(SpanStatusCode.ERROR);

    const collected = await reader.collect();
    const points = (name: string) =>
      collected.resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === name)
        .flatMap((metric) => metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]);
    const sum = (name: string, outcome: string) =>
      points(name)
        .filter((p) => p.attributes[ATTRIBUTES.outcome] === outcome)
        .reduce((total, p) => total + (p.value as number), 0);
    expect(sum(METRICS.attempts, 'retrying')).toBe(1);
    expect(sum(METRICS.attempts, 'succeeded')).toBe(1);
    expect(points(METRICS.backlog).map((p) => p.value)).toEqual([0]);
    expect(points(METRICS.dead).map((p) => p.value)).toEqual([0]);
    const exported = JSON.stringify(spans.map((s) => s.attributes));
    expect(exported).not.toContain(SECRET);
    expect(exported).not.toContain(headers['x-armalo-signature']);
    expect(exported).not.toContain('YOUR_AGENT_ID');
  });
});

describe('instrument() with an inbox and the freshness guard', () => {
  it('marks a stale attempt on its span (outcome and attribute) and counts it with the stale deliveries, by event', async () => {
    const spans = new InMemorySpanExporter();
    const metrics = new TestReader();
    const inbox = createMemoryInbox();
    const webhooks = createWebhookReceiver({
      secret: SECRET,
      inbox,
      logger: { warn() {}, error() {} },
      freshness: { 'score.changed': (event) => event.data.agentId },
    });
    webhooks.on('score.changed', () => {});
    instrument(webhooks, {
      tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
      meterProvider: new MeterProvider({ readers: [metrics] }),
    });
    const newest = Date.now();
    for (const timestamp of [newest, newest - 1_000]) {
      const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), {
        secret: SECRET,
        timestamp: new Date(timestamp),
      });
      await webhooks.receive({ rawBody: body, headers, method: 'POST' });
    }
    const worker = createInboxWorker(webhooks, { concurrency: 1 });
    await worker.start();
    await vi.waitFor(() => expect(spans.getFinishedSpans().filter((s) => s.name === PROCESS_SPAN)).toHaveLength(2));
    await worker.stop();
    const attempts = spans.getFinishedSpans().filter((span) => span.name === PROCESS_SPAN);
    expect(attempts.map((span) => [span.attributes[ATTRIBUTES.outcome], span.attributes[ATTRIBUTES.stale]])).toEqual([
      ['succeeded', undefined],
      ['stale', true],
    ]);
    expect(attempts[1]?.status.code).not.toBe(SpanStatusCode.ERROR);
    const { resourceMetrics } = await metrics.collect();
    const stale = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((item) => item.descriptor.name === METRICS.stale);
    expect(stale?.dataPoints.map((point) => [point.attributes[ATTRIBUTES.event], point.value])).toEqual([
      ['score.changed', 1],
    ]);
  });
});
