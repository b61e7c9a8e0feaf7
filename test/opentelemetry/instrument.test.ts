import { once } from 'node:events';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { armaloWebhooks } from '@armalo-webhooks/express';
import { ATTRIBUTES, instrument, METRICS, RECEIVE_SPAN, UNKNOWN_EVENT } from '@armalo-webhooks/opentelemetry';
import { context, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { InMemorySpanExporter, type ReadableSpan, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';

const SECRET = 'whsec_otel_test_3c9e1d';
const OTHER = 'whsec_otel_other_8a1f';

class TestReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
const reader = new TestReader();
const meterProvider = new MeterProvider({ readers: [reader] });
const logs: string[] = [];
let server: Server;
let url: string;
let http: HttpInstrumentation;

beforeAll(async () => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  http = new HttpInstrumentation();
  http.setTracerProvider(tracerProvider);
  http.enable();
  // Required after enable(): instrumentation-http patches node:http's Server when it is required.
  const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');
  const webhooks = createWebhookReceiver({
    secret: SECRET,
    logger: {
      warn: (...args: unknown[]) => logs.push(JSON.stringify(args)),
      error: (...args: unknown[]) => logs.push(JSON.stringify(args)),
    },
  });
  webhooks.on('score.changed', () => {});
  webhooks.on('eval.failed', () => {
    throw new Error('database down');
  });
  instrument(webhooks, { tracerProvider, meterProvider });
  const app = express();
  app.post('/webhooks/armalo', armaloWebhooks(webhooks));
  server = createServer(app).listen(0, '127.0.0.1');
  await once(server, 'listening');
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
});

afterAll(async () => {
  server.closeAllConnections();
  server.close();
  http.disable();
  await tracerProvider.shutdown();
});

const sent: string[] = [];
async function send(event: string, data: unknown, secret = SECRET, body?: string): Promise<number> {
  const delivery = createUncheckedDelivery(event, data, { secret });
  sent.push(delivery.body, delivery.signature);
  const response = await fetch(url, { method: 'POST', body: body ?? delivery.body, headers: delivery.headers });
  await response.arrayBuffer();
  return response.status;
}

describe('instrument() behind an Express app with HTTP instrumentation', () => {
  it('makes one span per delivery under the HTTP server span, and the metrics, from a scripted mix', async () => {
    const score = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    sent.push(score.body, score.signature);
    for (let i = 0; i < 2; i++) {
      const response = await fetch(url, { method: 'POST', body: score.body, headers: score.headers });
      await response.arrayBuffer();
    }
    expect(await send('score.changed', sampleData('score.changed'), OTHER)).toBe(401);
    expect(await send('eval.failed', { evalId: 'e_1' })).toBe(500);
    expect(await send('swarm.created', { swarmId: 's_1' })).toBe(200);

    const spans = exporter.getFinishedSpans();
    const ours = spans.filter((span) => span.name === RECEIVE_SPAN);
    const servers = spans.filter((span) => span.kind === SpanKind.SERVER);
    expect(ours).toHaveLength(5);
    expect(servers).toHaveLength(5);
    for (const span of ours) {
      const parent = servers.find((s) => s.spanContext().spanId === span.parentSpanContext?.spanId);
      expect(parent, 'parent is the HTTP server span').toBeDefined();
      expect(parent?.spanContext().traceId).toBe(span.spanContext().traceId);
    }
    const attributes = ours.map((span) => span.attributes);
    expect(attributes[0]).toEqual({
      [ATTRIBUTES.outcome]: 'handled',
      [ATTRIBUTES.event]: 'score.changed',
      [ATTRIBUTES.duplicate]: false,
      [ATTRIBUTES.queued]: false,
      [ATTRIBUTES.secretIndex]: 0,
      [ATTRIBUTES.statusCode]: 200,
    });
    expect(attributes[1]).toMatchObject({ [ATTRIBUTES.outcome]: 'duplicate', [ATTRIBUTES.duplicate]: true });
    expect(attributes[2]).toMatchObject({
      [ATTRIBUTES.outcome]: 'refused',
      [ATTRIBUTES.code]: 'INVALID_SIGNATURE',
      [ATTRIBUTES.statusCode]: 401,
    });
    expect(attributes[2]?.[ATTRIBUTES.secretIndex]).toBeUndefined();
    expect(attributes[3]).toMatchObject({
      [ATTRIBUTES.outcome]: 'failed',
      [ATTRIBUTES.code]: 'HANDLER_FAILED',
      [ATTRIBUTES.event]: 'eval.failed',
    });
    expect(ours[3]?.status.code).toBe(SpanStatusCode.ERROR);
    expect(ours.filter((span) => span.status.code === SpanStatusCode.ERROR)).toHaveLength(1);

    const collected = await reader.collect();
    const points = (name: string) =>
      collected.resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .filter((metric) => metric.descriptor.name === name)
        .flatMap((metric) => metric.dataPoints as { attributes: Record<string, unknown>; value: unknown }[]);
    const count = (name: string, attributes: Record<string, unknown>) =>
      points(name)
        .filter((p) => Object.entries(attributes).every(([k, v]) => p.attributes[k] === v))
        .reduce((sum, p) => sum + (p.value as number), 0);
    expect(count(METRICS.deliveries, { [ATTRIBUTES.code]: 'OK' })).toBe(3);
    expect(count(METRICS.deliveries, { [ATTRIBUTES.code]: 'OK', [ATTRIBUTES.event]: 'score.changed' })).toBe(2);
    expect(count(METRICS.deliveries, { [ATTRIBUTES.code]: 'HANDLER_FAILED' })).toBe(1);
    expect(count(METRICS.refusals, { [ATTRIBUTES.code]: 'INVALID_SIGNATURE' })).toBe(1);
    expect(count(METRICS.refusals, {})).toBe(1);
    expect(count(METRICS.deliveries, { [ATTRIBUTES.secretIndex]: 0 })).toBe(4);
    const histogram = points(METRICS.receiveDuration);
    expect(histogram.reduce((sum, p) => sum + (p.value as { count: number }).count, 0)).toBe(5);

    // Nothing exported or logged holds the secret, a signature or a body.
    const exported = JSON.stringify([ours.map(describeSpan), collected.resourceMetrics.scopeMetrics, logs]);
    for (const secret of [SECRET, OTHER, ...sent]) expect(exported).not.toContain(secret);
  });
});

function describeSpan(span: ReadableSpan) {
  return { name: span.name, attributes: span.attributes, status: span.status, events: span.events };
}

describe('instrument() with event names a sender makes up', () => {
  const setup = (schemas: Record<string, z.ZodType>) => {
    const metricReader = new TestReader();
    const spans = new InMemorySpanExporter();
    const tracing = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
    const webhooks = createWebhookReceiver({ secret: SECRET, schemas, logger: { warn: () => {}, error: () => {} } });
    instrument(webhooks, {
      tracerProvider: tracing,
      meterProvider: new MeterProvider({ readers: [metricReader] }),
    });
    const receive = async (event: string) => {
      const delivery = createUncheckedDelivery(event, {}, { secret: SECRET });
      return (await webhooks.receive({ rawBody: delivery.body, headers: delivery.headers })).status;
    };
    const series = async () => {
      const { resourceMetrics } = await metricReader.collect();
      const metric = resourceMetrics.scopeMetrics
        .flatMap((scope) => scope.metrics)
        .find((item) => item.descriptor.name === METRICS.deliveries);
      return (metric?.dataPoints ?? []) as { attributes: Record<string, unknown>; value: number }[];
    };
    return { receive, series, spans };
  };

  it('counts names outside the catalog and the receiver’s schemas as one value, unknown; spans keep the name', async () => {
    const { receive, series, spans } = setup({ 'billing.invoiced': z.looseObject({}) });
    for (let i = 0; i < 500; i++) expect(await receive(`made.up.${i}`)).toBe(200);
    expect(await receive('billing.invoiced')).toBe(200);
    expect(await receive('score.changed')).toBe(422);
    const points = await series();
    expect(
      points.map((point) => [point.attributes[ATTRIBUTES.event], point.attributes[ATTRIBUTES.code], point.value]),
    ).toEqual([
      [UNKNOWN_EVENT, 'OK', 500],
      ['billing.invoiced', 'OK', 1],
      ['score.changed', 'INVALID_EVENT_DATA', 1],
    ]);
    expect(spans.getFinishedSpans()[0]?.attributes[ATTRIBUTES.event]).toBe('made.up.0');
  });

  it('keeps at most 1,000 series per counter, the rest counted as overflow', async () => {
    const names = Array.from({ length: 1_200 }, (_, i) => `custom.event.${i}`);
    const { receive, series } = setup(Object.fromEntries(names.map((name) => [name, z.looseObject({})])));
    for (const name of names) await receive(name);
    const points = await series();
    expect(points).toHaveLength(1_001);
    expect(points.find((point) => point.attributes['otel.metric.overflow'] === true)?.value).toBe(200);
    expect(points.reduce((sum, point) => sum + point.value, 0)).toBe(1_200);
  });
});

describe('instrument() with the freshness guard', () => {
  it('marks a stale delivery on its span (outcome and attribute) and counts it by event', async () => {
    const metricReader = new TestReader();
    const spans = new InMemorySpanExporter();
    const webhooks = createWebhookReceiver({
      secret: SECRET,
      logger: { warn: () => {}, error: () => {} },
      freshness: { 'score.changed': (event) => event.data.agentId },
    });
    webhooks.on('score.changed', () => {});
    instrument(webhooks, {
      tracerProvider: new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] }),
      meterProvider: new MeterProvider({ readers: [metricReader] }),
    });
    const receive = async (timestamp: Date) => {
      const delivery = createSignedDelivery('score.changed', sampleData('score.changed'), {
        secret: SECRET,
        timestamp,
      });
      return (await webhooks.receive({ rawBody: delivery.body, headers: delivery.headers })).body;
    };
    const newest = new Date();
    expect(await receive(newest)).toEqual({ ok: true });
    expect(await receive(new Date(newest.getTime() - 1_000))).toEqual({ ok: true, stale: true });
    const attributes = spans.getFinishedSpans().map((span) => span.attributes);
    expect(attributes[0]?.[ATTRIBUTES.stale]).toBeUndefined();
    expect(attributes[1]).toMatchObject({ [ATTRIBUTES.outcome]: 'stale', [ATTRIBUTES.stale]: true });
    const { resourceMetrics } = await metricReader.collect();
    const stale = resourceMetrics.scopeMetrics
      .flatMap((scope) => scope.metrics)
      .find((item) => item.descriptor.name === METRICS.stale);
    expect(stale?.dataPoints.map((point) => [point.attributes[ATTRIBUTES.event], point.value])).toEqual([
      ['score.changed', 1],
    ]);
  });
});
