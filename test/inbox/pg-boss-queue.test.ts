import { createWebhookReceiver, type WebhookReceiver } from '@armalo-webhooks/core';
import { createSignedDelivery } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_URL, postgresAvailable, randomId } from '../stores/servers.js';

// "duplicate" is an acknowledgement: the sender stops retrying. It may only be answered when
// pg-boss confirmed it holds the delivery's job; anything else is a 503 the sender retries.

const SECRET = 'whsec_pg_boss_queue';
const quiet = { warn() {}, error() {} };
const postgresUp = await postgresAvailable();

/** Sends a new delivery; `again()` re-sends the same bytes, as the sender's retry does. */
function send(webhooks: WebhookReceiver) {
  const signed = createSignedDelivery('eval.failed', { run: randomId() }, { secret: SECRET });
  const input = { rawBody: signed.body, headers: signed.headers, method: 'POST' };
  return { again: () => webhooks.receive(input), answer: webhooks.receive(input) };
}

describe.runIf(postgresUp)('pg-boss inbox: only a job pg-boss holds is a duplicate', () => {
  const schema = `inbox_queue_${randomId()}`;
  let admin: pg.Pool;

  beforeAll(() => {
    admin = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  it('a queue deleted while the web process runs: 503, nothing acknowledged unstored, and the next try stores it', async () => {
    const queue = `deleted-${randomId()}`;
    const inbox = createPgBossInbox({ connectionString: DATABASE_URL, max: 2 }, { schema, queue, onError: false });
    const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: quiet });
    try {
      expect((await send(webhooks).answer).body).toEqual({ ok: true, queued: true });
      await inbox.boss.deleteQueue(queue);
      const second = send(webhooks);
      const answer = await second.answer;
      expect(answer.status).toBe(503);
      expect(answer.body).toMatchObject({ code: 'INBOX_UNAVAILABLE' });
      // The sender's retry finds the queue again (created anew) and the delivery stored.
      const retry = await second.again();
      expect(retry.body).toEqual({ ok: true, queued: true });
      expect((await inbox.get(retry.meta.idempotencyKey as string))?.state).toBe('waiting');
      expect((await second.again()).body).toEqual({ ok: true, duplicate: true });
    } finally {
      await inbox.close();
    }
  });

  it('pg-boss storing nothing for a delivery it does not hold (send answers null): 503, not duplicate', async () => {
    const queue = `refused-${randomId()}`;
    const boss = new PgBoss({ connectionString: DATABASE_URL, schema, max: 2, supervise: false, schedule: false });
    boss.on('error', () => {});
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 2 });
    const inbox = createPgBossInbox({ boss, pool }, { queue, onError: false });
    const webhooks = createWebhookReceiver({ secret: SECRET, inbox, logger: quiet });
    try {
      await inbox.ready();
      const store = boss.send.bind(boss);
      // What a queue policy that refuses the insert (a singleton key already taken, say) looks like.
      boss.send = (async () => null) as typeof boss.send;
      const refused = send(webhooks);
      expect((await refused.answer).status).toBe(503);
      boss.send = store;
      expect((await refused.again()).body).toEqual({ ok: true, queued: true });
    } finally {
      await inbox.close();
      await boss.stop({ graceful: false });
      await pool.end();
    }
  });
});

describe.runIf(postgresUp)('pg-boss inbox: a queue keeps the policy it was created with', () => {
  const schema = `inbox_policy_${randomId()}`;
  afterAll(async () => {
    const admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  /** Starts an inbox on `queue` as a receiver's (which tells it the replay window), then closes it. */
  async function start(queue: string, ordered: boolean): Promise<void> {
    const inbox = createPgBossInbox(
      { connectionString: DATABASE_URL, max: 2 },
      { schema, queue, onError: false, ...(ordered ? { orderBy: () => 'k' } : {}) },
    );
    createWebhookReceiver({ secret: SECRET, inbox, logger: quiet });
    try {
      await inbox.ready();
    } finally {
      await inbox.close();
    }
  }

  it('orderBy on a queue created without it, or the reverse, fails at startup and says what to do', async () => {
    const plain = `plain-${randomId()}`;
    await start(plain, false);
    await expect(start(plain, true)).rejects.toThrow(
      `the pg-boss queue ${plain} has the policy standard, not key_strict_fifo (\`orderBy\` needs a key_strict_fifo queue`,
    );
    const ordered = `ordered-${randomId()}`;
    await start(ordered, true);
    await expect(start(ordered, false)).rejects.toThrow(
      `has the policy key_strict_fifo, not standard (it was created for an inbox with \`orderBy\``,
    );
    await expect(start(ordered, false)).rejects.toThrow('use another queue name');
    // The same settings start again; an admin connection (no receiver) takes either policy.
    await start(ordered, true);
    for (const queue of [plain, ordered]) {
      const admin = createPgBossInbox({ connectionString: DATABASE_URL, max: 2 }, { schema, queue, onError: false });
      try {
        await admin.ready();
        expect(typeof (await admin.stats()).waiting).toBe('number');
      } finally {
        await admin.close();
      }
    }
  }, 60_000);
});
