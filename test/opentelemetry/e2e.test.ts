import { fork } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { armaloWebhooks } from '@armalo-webhooks/express';
import { ATTRIBUTES, instrument, PROCESS_SPAN, RECEIVE_SPAN } from '@armalo-webhooks/opentelemetry';
import { context, propagation, SpanKind } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it, vi } from 'vitest';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'whsec_otel_e2e_91c2';
const PREFIX = `otel-e2e-${process.pid}`;
const QUEUE = 'deliveries';
const WORKER = new URL('./fixtures/otel-worker.mjs', import.meta.url);

interface RemoteSpan {
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  links: string[];
  attributes: Record<string, unknown>;
  status: number;
}

const cleanups: (() => Promise<unknown> | unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('one trace from the HTTP request to the worker, across processes and a retry', () => {
  it('an Express app stores the delivery in BullMQ; the worker process attempts it twice in the same trace', async () => {
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    cleanups.push(async () => {
      const keys = await redis.keys(`${PREFIX}*`);
      if (keys.length > 0) await redis.del(...keys);
      await redis.quit();
    });
    await redis.ping(); // with CI set, an unreachable Redis fails here rather than skipping

    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    const exporter = new InMemorySpanExporter();
    const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })] });
    const http = new HttpInstrumentation();
    http.setTracerProvider(tracerProvider);
    http.enable();
    cleanups.push(() => {
      http.disable();
      propagation.disable();
      context.disable();
    });
    const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http');

    const inbox = createBullMQInbox({ connection: REDIS_URL, prefix: PREFIX, queue: QUEUE });
    cleanups.push(() => inbox.close());
    const webhooks = createWebhookReceiver({ secret: SECRET, inbox });
    instrument(webhooks, { tracerProvider });
    const app = express();
    app.post('/webhooks/armalo', armaloWebhooks(webhooks));
    const server = createServer(app).listen(0, '127.0.0.1');
    await once(server, 'listening');
    cleanups.push(() => {
      server.closeAllConnections();
      server.close();
    });

    const remote: RemoteSpan[] = [];
    const worker = fork(WORKER, [], {
      env: { ...process.env, SECRET, REDIS_URL, PREFIX, QUEUE },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    cleanups.push(async () => {
      if (worker.connected) worker.disconnect();
      if (worker.exitCode === null) await once(worker, 'exit');
    });
    worker.on('message', (message) => {
      if (Array.isArray(message)) remote.push(...(message as RemoteSpan[]));
    });
    await new Promise<void>((resolve) => worker.once('message', () => resolve()));

    const { body, headers } = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
    const response = await fetch(url, { method: 'POST', body, headers });
    expect(await response.json()).toEqual({ ok: true, queued: true });

    await vi.waitFor(() => expect(remote.filter((span) => span.name === PROCESS_SPAN)).toHaveLength(2), {
      timeout: 15_000,
    });
    const local = exporter.getFinishedSpans();
    const httpSpan = local.find((span) => span.kind === SpanKind.SERVER)!;
    const receiving = local.find((span) => span.name === RECEIVE_SPAN)!;
    const traceId = httpSpan.spanContext().traceId;
    expect(receiving.spanContext().traceId).toBe(traceId);
    expect(receiving.parentSpanContext?.spanId).toBe(httpSpan.spanContext().spanId);
    const attempts = remote.filter((span) => span.name === PROCESS_SPAN);
    for (const span of attempts) {
      expect(span.traceId).toBe(traceId);
      expect(span.parentSpanId).toBe(receiving.spanContext().spanId);
      expect(span.links).toEqual([receiving.spanContext().spanId]);
      expect(span.kind).toBe(SpanKind.CONSUMER);
      expect(span.attributes).toMatchObject({
        [ATTRIBUTES.messagingOperation]: 'process',
        [ATTRIBUTES.messagingSystem]: 'bullmq',
        [ATTRIBUTES.event]: 'score.changed',
      });
    }
    expect(attempts.map((span) => [span.attributes[ATTRIBUTES.attempt], span.attributes[ATTRIBUTES.outcome]])).toEqual([
      [1, 'retrying'],
      [2, 'succeeded'],
    ]);
    const exported = JSON.stringify([remote, local.map((span) => span.attributes)]);
    for (const secret of [SECRET, headers['x-armalo-signature'], 'YOUR_AGENT_ID'])
      expect(exported).not.toContain(secret);
  });
});
