import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createInboxWorker, createWebhookReceiver, observe } from '@armalo-webhooks/core';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { inspect } from '@armalo-webhooks/inspect';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteRedisKeys, REDIS_URL, randomId, redisAvailable } from '../stores/servers.js';
import { type DevProcess, runCli, SECRET, startDev } from './harness.js';

const redisUp = await redisAvailable();

interface Row {
  id: string;
  seq: number;
  event: string | null;
  verdict: string;
  origin: string;
}
interface Detail extends Row {
  attempts: { outcome: string; replayOf?: string; error?: { message: string } }[];
  diagnosis: { findings: { code: string }[] } | null;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

// The app runs here, with its own handlers, a BullMQ inbox and a worker; `armalo-webhooks dev`
// runs as a child process attached to the same queue. The app reports through inspect().
describe.runIf(redisUp)('armalo-webhooks dev, attached to an app with a BullMQ inbox', () => {
  const prefix = `armalo-dev-${randomId()}`;
  const queue = `dev-${randomId()}`;
  const inbox = createBullMQInbox({ connection: REDIS_URL, prefix, queue, onError: false });
  let failing = true;
  const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn: () => {}, error: () => {} } });
  webhooks.on('eval.failed', () => {
    if (failing) throw new Error('the database is down');
  });
  webhooks.onAny(() => {});
  const worker = createInboxWorker(webhooks, { retry: { attempts: 1 } });
  let server: Server;
  let appUrl: string;
  let dev: DevProcess;
  let stopInspecting: () => void;

  const api = async <T>(path: string, body?: unknown): Promise<T> => {
    const response = await fetch(`${dev.inspectorUrl}${path}`, {
      ...(body === undefined
        ? {}
        : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }),
    });
    return (await response.json()) as T;
  };
  const rows = () => api<Row[]>('api/deliveries');

  beforeAll(async () => {
    await worker.start();
    const handle = createNodeHandler(webhooks);
    server = createServer((req, res) => void handle(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    appUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/armalo`;
    dev = await startDev([
      '--forward-to',
      appUrl,
      '--ui-port',
      '0',
      '--secret',
      SECRET,
      '--redis',
      REDIS_URL,
      '--queue',
      queue,
      '--prefix',
      prefix,
    ]);
    stopInspecting = observe(webhooks, inspect(dev.inspectorUrl));
  });

  afterAll(async () => {
    stopInspecting?.();
    await dev?.stop();
    await worker.stop();
    await inbox.close();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    const admin = new Redis(REDIS_URL);
    await deleteRedisKeys(admin, `${prefix}:`);
    admin.disconnect();
  });

  it('prints how to attach the app, and shows the app’s deliveries with its worker’s outcome', async () => {
    expect(dev.stdout()).toContain(`ARMALO_INSPECTOR_URL=${dev.inspectorUrl}`);
    const sent = await runCli(['send', 'eval.failed', '--url', appUrl, '--secret', SECRET]);
    expect(sent.stdout).toContain('"queued":true');
    const [row] = await until(rows, (list) => list.length === 1);
    expect([row?.event, row?.verdict]).toEqual(['eval.failed', 'queued']);
    const detail = await until(
      () => api<Detail>(`api/deliveries/${row?.id}`),
      (d) => d.attempts.at(-1)?.outcome === 'dead-lettered',
    );
    expect(detail.attempts.at(-1)?.error?.message).toContain('the database is down');
  });

  it('redrives the dead letter into the app’s queue, and the worker’s next attempt shows', async () => {
    await until(
      () => api<{ dead: number }>('api/inbox'),
      (stats) => stats.dead === 1,
    );
    failing = false;
    expect(await api('api/redrive', {})).toEqual({ moved: 1 });
    const [row] = await rows();
    await until(
      () => api<Detail>(`api/deliveries/${row?.id}`),
      (d) => d.attempts.at(-1)?.outcome === 'succeeded',
    );
  });

  it('replays a stored delivery as a new attempt through the inbox', async () => {
    const [row] = await rows();
    const result = await api<{ kind: string }>(`api/deliveries/${row?.id}/replay`, {});
    expect(result.kind).toBe('inbox-replay');
    const detail = await until(
      () => api<Detail>(`api/deliveries/${row?.id}`),
      (d) => d.attempts.some((attempt) => attempt.replayOf !== undefined && attempt.outcome === 'succeeded'),
    );
    expect(detail.attempts.map((attempt) => attempt.outcome)).toEqual(['dead-lettered', 'succeeded', 'succeeded']);
  });

  it('sends samples to the app, and diagnoses a tampered delivery with the secret it was given', async () => {
    expect(await api('api/send', { event: 'score.changed' })).toMatchObject({ status: 200, outcome: 'queued' });
    await runCli(['send', 'score.changed', '--url', appUrl, '--secret', SECRET, '--tamper']);
    const list = await until(rows, (items) => items.length === 3);
    expect(list.map((item) => [item.origin, item.verdict])).toEqual([
      ['received', 'refused'],
      ['sample', 'queued'],
      ['received', 'queued'],
    ]);
    const refused = await api<Detail>(`api/deliveries/${list[0]?.id}`);
    expect(refused.diagnosis?.findings.map((finding) => finding.code)).toEqual(['NO_MATCH']);
  });
});
