import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createWebhookReceiver, type WebhookResult } from '@armalo-webhooks/core';
import { createSignedDelivery } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, postgresAvailable, randomId, redisAvailable, sleep } from '../stores/servers.js';

// The engine goes away while deliveries arrive: every answer is a 200 after a confirmed write or
// a 503 with Retry-After, and every delivery acknowledged is in the engine afterwards.

const SECRET = 'whsec_inbox_outage';
const quiet = { warn() {}, error() {} };
const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable(); // the same check says whether redis-server can be expected

function delivery(n: number) {
  const signed = createSignedDelivery('eval.failed', { n, run: randomId() }, { secret: SECRET });
  return { rawBody: signed.body, headers: signed.headers, method: 'POST' };
}

function classify(result: WebhookResult): 'queued' | 'unavailable' {
  if (result.status === 200 && (result.body as { queued?: boolean }).queued) return 'queued';
  expect(result.status, JSON.stringify(result.body)).toBe(503);
  expect((result.body as { code: string }).code).toBe('INBOX_UNAVAILABLE');
  expect(result.headers['retry-after']).toBe('5');
  return 'unavailable';
}

describe.runIf(redisUp)('BullMQ inbox while its Redis is killed, frozen and restarted', () => {
  const dir = mkdtempSync(join(tmpdir(), 'armalo-inbox-redis-'));
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  let server: ChildProcess | undefined;

  async function startRedis(): Promise<void> {
    // AOF with fsync on every write: an acknowledged job survives the kill (see the bullmq README).
    server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100; i++) {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: 'ignore' });
      if ((await new Promise((resolve) => probe.once('exit', resolve))) === 0) return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  }

  async function killRedis(): Promise<void> {
    const running = server;
    if (!running || running.exitCode !== null) return;
    running.kill('SIGKILL');
    await new Promise((resolve) => running.once('exit', resolve));
  }

  afterAll(async () => {
    if (server?.pid && server.exitCode === null) server.kill('SIGCONT');
    await killRedis();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers only 200 queued or 503, and keeps every acknowledged delivery across the restart', async () => {
    await startRedis();
    const inbox = createBullMQInbox({
      connection: `redis://127.0.0.1:${port}`,
      commandTimeoutMs: 500,
      onError: () => {},
    });
    const webhooks = createWebhookReceiver({
      secret: SECRET,
      inbox: { engine: inbox, timeoutMs: 2_000 },
      logger: quiet,
    });
    try {
      const acknowledged = new Set<string>();
      const send = async (n: number) => {
        const result = await webhooks.receive(delivery(n));
        const kind = classify(result);
        if (kind === 'queued') acknowledged.add(result.meta.idempotencyKey!);
        return kind;
      };
      for (let n = 0; n < 100; n++) expect(await send(n)).toBe('queued');

      await killRedis();
      const down = [];
      for (let n = 100; n < 150; n++) {
        const startedAt = Date.now();
        down.push(await send(n));
        expect(Date.now() - startedAt).toBeLessThan(2_500);
      }
      expect(down.every((kind) => kind === 'unavailable')).toBe(true);

      await startRedis();
      await sleep(1_500); // ioredis reconnects within a second
      for (let n = 150; n < 200; n++) expect(await send(n)).toBe('queued');

      // Frozen, not gone: the command timeout turns the silence into 503s.
      server!.kill('SIGSTOP');
      const frozen = await Promise.all([200, 201, 202].map(send));
      server!.kill('SIGCONT');
      expect(frozen).toEqual(['unavailable', 'unavailable', 'unavailable']);
      await sleep(1_000);

      expect(acknowledged.size).toBe(150);
      const stored = await inbox.list({ limit: 1_000 });
      const storedIds = new Set(stored.map((entry) => entry.deliveryId));
      for (const id of acknowledged) expect(storedIds.has(id)).toBe(true);
    } finally {
      await inbox.close();
    }
  }, 60_000);
});

describe.runIf(postgresUp)('pg-boss inbox while its PostgreSQL connections are terminated', () => {
  const schema = `inbox_outage_${randomId()}`;
  const app = `armalo_outage_${randomId()}`;
  const admin = new pg.Pool({ connectionString: DATABASE_URL, max: 1 });

  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('answers only 200 queued or 503, and keeps every acknowledged delivery', async () => {
    const url = new URL(DATABASE_URL);
    url.searchParams.set('application_name', app);
    let poolErrors = 0;
    const inbox = createPgBossInbox(
      { connectionString: url.toString(), max: 4 },
      { schema, queue: 'outage', onError: () => poolErrors++ },
    );
    const webhooks = createWebhookReceiver({
      secret: SECRET,
      inbox: { engine: inbox, timeoutMs: 2_000 },
      logger: quiet,
    });
    await inbox.ready();
    try {
      const acknowledged = new Set<string>();
      const kinds = { queued: 0, unavailable: 0 };
      let sending = true;
      let terminated = 0;
      const terminator = (async () => {
        while (sending) {
          const { rows } = await admin.query(
            'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [app],
          );
          terminated += rows[0].n;
          await sleep(15);
        }
      })();
      const senders = Array.from({ length: 4 }, async (_, lane) => {
        for (let n = lane; n < 400; n += 4) {
          const result = await webhooks.receive(delivery(n));
          const kind = classify(result);
          kinds[kind]++;
          if (kind === 'queued') acknowledged.add(result.meta.idempotencyKey!);
        }
      });
      await Promise.all(senders);
      sending = false;
      await terminator;

      expect(terminated).toBeGreaterThan(0);
      expect(kinds.unavailable).toBeGreaterThan(0);
      for (const id of acknowledged) expect((await inbox.get(id))?.deliveryId).toBe(id);
      console.log(
        `pg-boss outage: ${kinds.queued} queued, ${kinds.unavailable} answered 503, ${terminated} connections terminated, ${poolErrors} pool errors`,
      );
    } finally {
      await inbox.close();
    }
  }, 60_000);
});
