import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createBullMQInbox } from '@armalo-webhooks/bullmq';
import { createInboxWorker, createWebhookReceiver, type Inbox } from '@armalo-webhooks/core';
import { createSignedDelivery, createUncheckedDelivery, sampleData } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  DATABASE_URL,
  deleteRedisKeys,
  postgresAvailable,
  REDIS_URL,
  randomId,
  redisAvailable,
} from '../stores/servers.js';
import { closedPort, lines, runCli, SECRET } from './harness.js';

const postgresUp = await postgresAvailable();
const redisUp = await redisAvailable();

/** Stores one delivery; answers its delivery id. */
async function store(inbox: Inbox): Promise<string> {
  const webhooks = createWebhookReceiver({ secret: SECRET, inbox });
  const signed = createSignedDelivery('score.changed', sampleData('score.changed'), { secret: SECRET });
  const result = await webhooks.receive({ rawBody: signed.body, headers: signed.headers });
  expect(result.body).toEqual({ ok: true, queued: true });
  return result.meta.idempotencyKey as string;
}

// An event name that retitles the terminal, and a handler error that clears the screen.
const TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J\u001b[H';

/** Stores a delivery whose event name and handler error carry escape sequences, and dead-letters it. */
async function storeHostile(inbox: Inbox) {
  const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn: () => {}, error: () => {} } });
  webhooks.onUnknown(() => {
    throw new Error(`${CLEAR}database down`);
  });
  const signed = createUncheckedDelivery(`evil${TITLE}`, {}, { secret: SECRET });
  expect((await webhooks.receive({ rawBody: signed.body, headers: signed.headers })).status).toBe(200);
  const worker = createInboxWorker(webhooks, { retry: { attempts: 1 } });
  await worker.start();
  await vi.waitFor(async () => expect((await inbox.list({ state: 'dead' })).length).toBe(1), {
    timeout: 20_000,
    interval: 100,
  });
  await worker.stop();
}

/**
 * Stores two deliveries of one agent's score, the newer first, and works them with `freshness` on:
 * the older one is settled stale. Answers the stale one's delivery id.
 */
async function storeStale(inbox: Inbox): Promise<string> {
  const webhooks = createWebhookReceiver({
    secret: SECRET,
    inbox,
    logger: { warn: () => {}, error: () => {} },
    freshness: { 'score.changed': (event) => event.data.agentId },
  });
  webhooks.on('score.changed', () => {});
  const newest = Date.now();
  const ids: string[] = [];
  for (const timestamp of [newest, newest - 1_000]) {
    const signed = createSignedDelivery('score.changed', sampleData('score.changed'), {
      secret: SECRET,
      timestamp: new Date(timestamp),
    });
    ids.push((await webhooks.receive({ rawBody: signed.body, headers: signed.headers })).meta.idempotencyKey as string);
  }
  const worker = createInboxWorker(webhooks, { concurrency: 1 });
  await worker.start();
  await vi.waitFor(async () => expect((await inbox.get(ids[1] as string))?.state).toBe('stale'), {
    timeout: 20_000,
    interval: 100,
  });
  await worker.stop();
  return ids[1] as string;
}

/** `stats`, `list --state stale` and `show` tell a stale delivery from a completed one. */
async function expectStale(target: string[], deliveryId: string, counts: Record<string, number>) {
  const stats = await runCli(['inbox', ...target, 'stats', '--json']);
  expect(JSON.parse(stats.stdout)).toMatchObject(counts);
  const list = await runCli(['inbox', ...target, 'list', '--state', 'stale', '--json']);
  expect(
    (JSON.parse(list.stdout) as { deliveryId: string; state: string }[]).map((e) => [e.deliveryId, e.state]),
  ).toEqual([[deliveryId, 'stale']]);
  const completed = await runCli(['inbox', ...target, 'list', '--state', 'completed', '--json']);
  expect((JSON.parse(completed.stdout) as { state: string }[]).map((e) => e.state)).toEqual(['completed']);
  expect(JSON.parse((await runCli(['inbox', ...target, 'show', deliveryId])).stdout)).toMatchObject({
    deliveryId,
    state: 'stale',
  });
}

/** `list` (text and JSON) and `show` print those sequences escaped, never as they are. */
async function expectEscaped(target: string[]) {
  const text = await runCli(['inbox', ...target, 'list', '--dead']);
  const json = await runCli(['inbox', ...target, 'list', '--dead', '--json']);
  const [entry] = JSON.parse(json.stdout) as { id: string; event: string }[];
  expect(entry?.event).toBe(`evil${TITLE}`);
  const show = await runCli(['inbox', ...target, 'show', entry!.id]);
  for (const output of [text.stdout, json.stdout, show.stdout]) {
    expect(output).not.toMatch(/[^\P{Cc}\n]/u);
    expect(output).toContain('evil\\u001b]0;pwned\\u0007');
  }
  expect(text.stdout).toContain('HANDLER_FAILED: \\u001b[2J\\u001b[Hdatabase down');
}

describe('armalo-webhooks inbox', () => {
  it('needs exactly one of --postgres, --redis and --pglite, and says so in one line', async () => {
    const result = await runCli(['inbox', 'stats']);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toEqual(['error: give exactly one of --postgres URL, --redis URL or --pglite DIR']);
  });

  it('fails in one line without printing the password of an unreachable server', async () => {
    const port = await closedPort();
    const result = await runCli(['inbox', 'stats', '--redis', `redis://admin:s3cr3t-pw@127.0.0.1:${port}`]);
    expect(result.code).not.toBe(0);
    expect(lines(result.stderr)).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: bullmq inbox: /);
    expect(result.stderr + result.stdout).not.toContain('s3cr3t-pw');
  });

  it('refuses a Redis URL it cannot use in one line: a database that is not a number, no host', async () => {
    const results = await Promise.all(
      ['redis://127.0.0.1:6379/abc', 'redis:/x'].map((url) => runCli(['inbox', 'stats', '--redis', url])),
    );
    expect(results.map((result) => [result.code, lines(result.stderr)])).toEqual([
      [1, ['error: --redis: the database after the port must be a number (redis://host:6379/0), got "abc"']],
      [1, ['error: --redis must be a URL such as redis://127.0.0.1:6379/0, got "redis:/x"']],
    ]);
  });

  describe.runIf(postgresUp)('on pg-boss', () => {
    const schema = `cli_inbox_${randomId()}`;
    afterAll(async () => {
      const client = new pg.Client({ connectionString: DATABASE_URL });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    });

    it('stats, list, show, replay and redrive', async () => {
      const inbox = createPgBossInbox({ connectionString: DATABASE_URL, max: 2 }, { schema, queue: 'cli' });
      await store(inbox);
      await inbox.close();
      const target = ['--postgres', DATABASE_URL, '--schema', schema, '--queue', 'cli'];

      const stats = await runCli(['inbox', ...target, 'stats', '--json']);
      expect(stats.stderr).toBe('');
      expect(JSON.parse(stats.stdout)).toEqual({
        waiting: 1,
        active: 0,
        delayed: 0,
        dead: 0,
        completed: 0,
        stale: 0,
        asOf: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect((await runCli(['inbox', ...target, 'stats'])).stdout).toMatch(
        /\nas of \S+Z \(pg-boss refreshes its counts at most once a minute\)\n$/,
      );

      const list = await runCli(['inbox', ...target, 'list', '--event', 'score.changed', '--json']);
      const [entry] = JSON.parse(list.stdout) as { id: string; state: string }[];
      expect(entry?.state).toBe('waiting');
      expect((await runCli(['inbox', ...target, 'list', '--dead'])).stdout).toBe('no deliveries match\n');

      const show = await runCli(['inbox', ...target, 'show', entry!.id]);
      expect(JSON.parse(show.stdout).payload.data).toEqual(sampleData('score.changed'));
      expect(show.stdout).not.toContain(SECRET);

      const replay = await runCli(['inbox', ...target, 'replay', entry!.id]);
      expect(replay.stdout).toMatch(/^replayed .+ as [0-9a-f-]{36}\n$/);
      expect((await runCli(['inbox', ...target, 'redrive', '--event', 'score.changed'])).stdout).toBe(
        'redrove 0 dead letter(s)\n',
      );
      const missing = await runCli(['inbox', ...target, 'show', '00000000-0000-4000-8000-000000000000']);
      expect(missing.code).toBe(1);
      expect(lines(missing.stderr)).toEqual([
        'error: no delivery with id 00000000-0000-4000-8000-000000000000 in this inbox',
      ]);
    }, 60_000);

    it('shows deliveries the freshness guard settled stale (stats, list --state stale, show)', async () => {
      const options = { schema, queue: 'stale', freshnessTable: `${schema}.freshness` };
      const inbox = createPgBossInbox({ connectionString: DATABASE_URL, max: 2 }, options);
      const deliveryId = await storeStale(inbox);
      await inbox.close();
      await expectStale(
        [
          '--postgres',
          DATABASE_URL,
          '--schema',
          schema,
          '--queue',
          'stale',
          '--freshness-table',
          `${schema}.freshness`,
        ],
        deliveryId,
        // pg-boss serves `completed` as it last counted (up to a minute old); stale ones are counted live.
        { stale: 1 },
      );
    }, 60_000);

    it('stats counts the blocked keys of an ordered queue; blocked lists them with their head; skip unblocks one', async () => {
      const inbox = createPgBossInbox(
        { connectionString: DATABASE_URL, max: 2 },
        { schema, queue: 'ordered', orderBy: (event) => `escrow:${String(event.data.escrowId)}` },
      );
      const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: { warn: () => {}, error: () => {} } });
      const ran: number[] = [];
      webhooks.on('escrow.funded', (event) => {
        const n = Number(event.data.n);
        ran.push(n);
        if (n === 0) throw new Error('escrow e1 is broken');
      });
      for (const n of [0, 1]) {
        const signed = createUncheckedDelivery('escrow.funded', { escrowId: 'e1', n }, { secret: SECRET });
        expect((await webhooks.receive({ rawBody: signed.body, headers: signed.headers })).status).toBe(200);
      }
      const worker = createInboxWorker(webhooks, { retry: { attempts: 1 } });
      await worker.start();
      await vi.waitFor(async () => expect((await inbox.list({ state: 'dead' })).length).toBe(1), {
        timeout: 20_000,
        interval: 100,
      });
      expect(ran).toEqual([0]);
      // The admin connection (no orderBy) takes the queue's policy as it is.
      const target = ['--postgres', DATABASE_URL, '--schema', schema, '--queue', 'ordered'];
      expect(JSON.parse((await runCli(['inbox', ...target, 'stats', '--json'])).stdout).blocked).toEqual({
        count: 1,
        keys: ['escrow:e1'],
      });
      expect((await runCli(['inbox', ...target, 'stats'])).stdout).toContain('blocked    1 key(s)  (escrow:e1)\n');
      const blocked = await runCli(['inbox', ...target, 'blocked', '--json']);
      const [row] = JSON.parse(blocked.stdout) as {
        key: string;
        waiting: number;
        head: { id: string; state: string };
      }[];
      expect(row).toMatchObject({ key: 'escrow:e1', waiting: 1, head: { state: 'dead' } });
      expect((await runCli(['inbox', ...target, 'blocked'])).stdout).toMatch(
        new RegExp(
          `^escrow:e1  waiting=1  head ${row!.head.id} escrow.funded attempts=1 \\S+  HANDLER_FAILED: escrow e1 is broken\n`,
        ),
      );
      expect((await runCli(['inbox', ...target, 'skip', row!.head.id])).stdout).toMatch(
        /^skipped [0-9a-f-]{36} \(escrow.funded, delivery /,
      );
      await vi.waitFor(() => expect(ran).toEqual([0, 1]), { timeout: 20_000, interval: 100 });
      expect((await runCli(['inbox', ...target, 'blocked'])).stdout).toBe('no blocked keys\n');
      const skipped = JSON.parse((await runCli(['inbox', ...target, 'list', '--state', 'skipped', '--json'])).stdout);
      expect(skipped).toHaveLength(1);
      await worker.stop();
      await inbox.close();
    }, 60_000);

    it('prints event names and handler errors with their escape sequences escaped', async () => {
      const inbox = createPgBossInbox({ connectionString: DATABASE_URL, max: 2 }, { schema, queue: 'hostile' });
      await storeHostile(inbox);
      await inbox.close();
      await expectEscaped(['--postgres', DATABASE_URL, '--schema', schema, '--queue', 'hostile']);
    }, 60_000);
  });

  describe('on PGlite', () => {
    const dir = mkdtempSync(join(tmpdir(), 'armalo-cli-pglite-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('stats, list, show by delivery id, redrive; refuses a directory its app holds open', async () => {
      const inbox = createPgBossInbox({ pglite: dir }, { queue: 'cli' });
      await inbox.ready(); // the first start creates the database
      const deliveryId = await store(inbox);
      const target = ['--pglite', dir, '--queue', 'cli'];
      // One process at a time: the app (here, this test) has the directory open.
      const refused = await runCli(['inbox', ...target, 'stats']);
      expect(refused.code).toBe(1);
      expect(lines(refused.stderr)).toHaveLength(1);
      expect(refused.stderr).toContain(`is open in process ${process.pid}`);
      await inbox.close();

      const stats = await runCli(['inbox', ...target, 'stats', '--json'], { timeoutMs: 60_000 });
      expect(stats.stderr).toBe('');
      expect(JSON.parse(stats.stdout)).toMatchObject({ waiting: 1, dead: 0 });
      const list = await runCli(['inbox', ...target, 'list', '--json'], { timeoutMs: 60_000 });
      expect(JSON.parse(list.stdout)).toMatchObject([{ deliveryId, state: 'waiting' }]);
      const show = await runCli(['inbox', ...target, 'show', deliveryId], { timeoutMs: 60_000 });
      expect(JSON.parse(show.stdout)).toMatchObject({ deliveryId, payload: { event: 'score.changed' } });
      const redrive = await runCli(['inbox', ...target, 'redrive', '--id', deliveryId], { timeoutMs: 60_000 });
      expect(redrive.stdout).toBe('redrove 0 dead letter(s)\n');
    }, 120_000);
  });

  describe.runIf(redisUp)('on BullMQ', () => {
    const prefix = `armalo-cli-${randomId()}`;
    afterAll(async () => {
      const redis = new Redis(REDIS_URL);
      await deleteRedisKeys(redis, `${prefix}:`);
      redis.disconnect();
    });

    it('stats and list', async () => {
      const inbox = createBullMQInbox({ connection: REDIS_URL, prefix, queue: 'cli' });
      await store(inbox);
      await inbox.close();
      const target = ['--redis', REDIS_URL, '--prefix', prefix, '--queue', 'cli'];
      const stats = await runCli(['inbox', ...target, 'stats']);
      expect(lines(stats.stdout)).toContain('waiting    1');
      const list = await runCli(['inbox', ...target, 'list']);
      expect(list.stdout).toMatch(/^d_\S+ {2}waiting +score\.changed/);
    }, 30_000);

    it('shows deliveries the freshness guard settled stale (stats, list --state stale, show)', async () => {
      const inbox = createBullMQInbox({ connection: REDIS_URL, prefix, queue: 'stale', onError: false });
      const deliveryId = await storeStale(inbox);
      await inbox.close();
      await expectStale(['--redis', REDIS_URL, '--prefix', prefix, '--queue', 'stale'], deliveryId, {
        completed: 1,
        stale: 1,
      });
    }, 30_000);

    it('prints event names and handler errors with their escape sequences escaped', async () => {
      const inbox = createBullMQInbox({ connection: REDIS_URL, prefix, queue: 'hostile', onError: false });
      await storeHostile(inbox);
      await inbox.close();
      await expectEscaped(['--redis', REDIS_URL, '--prefix', prefix, '--queue', 'hostile']);
    }, 60_000);
  });
});
