import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInboxWorker, createWebhookReceiver } from '@armalo-webhooks/core';
import { createUncheckedDelivery } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomId } from '../stores/servers.js';
import { describeInboxContract } from './contract.js';

// The same contract on pg-boss embedded in PGlite: no server. Every test gets its own queue in a
// directory reopened by each inbox. A directory serves one inbox at a time, and a test may hold a
// second inbox open beside the first: each setup takes a directory no open inbox holds.
const dirs = [mkdtempSync(join(tmpdir(), 'armalo-inbox-pglite-')), mkdtempSync(join(tmpdir(), 'armalo-inbox-pglite-'))];
const held = new Set<string>();
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});
// Both directories are created before the tests, as an app pays its first start at startup: a
// test that opens the second one mid-test (stop() waiting for a delivery in hand) would otherwise
// wait out initdb, seconds on a loaded machine, inside its own deadline.
beforeAll(async () => {
  for (const dir of dirs) {
    const inbox = createPgBossInbox({ pglite: dir }, { onError: false });
    await inbox.ready();
    await inbox.close();
  }
}, 120_000);

describeInboxContract(
  'createPgBossInbox({ pglite })',
  async (ordering = {}) => {
    const dir = dirs.find((candidate) => !held.has(candidate));
    if (dir === undefined) throw new Error('more PGlite inboxes open at once than this suite has directories');
    held.add(dir);
    const inbox = createPgBossInbox(
      { pglite: dir },
      {
        queue: `contract-${randomId()}`,
        pollIntervalMs: 50,
        maintenanceIntervalSeconds: 1,
        onError: false,
        ...ordering,
      },
    );
    // The first start creates the database: an app pays it at startup, not in its first request.
    await inbox.ready();
    return {
      inbox,
      cleanup: async () => {
        await inbox.close();
        held.delete(dir);
      },
    };
  },
  { ordering: true },
);

describe('a PGlite directory serves one process at a time', () => {
  it('a second inbox on an open directory is refused, in this process or another; a dead holder’s lock is taken over', async () => {
    const shared = mkdtempSync(join(tmpdir(), 'armalo-inbox-lock-'));
    try {
      const first = createPgBossInbox({ pglite: shared }, { onError: false });
      await first.ready();
      const second = createPgBossInbox({ pglite: shared }, { onError: false });
      await expect(second.ready()).rejects.toThrow(`is open in process ${process.pid}`);
      // A web side and a worker in one process may both close it on shutdown.
      await Promise.all([first.close(), first.close()]);
      await second.ready();
      await second.close();

      // Another process holds it, then dies without closing (SIGKILL): its lock is stale.
      const holder = spawn(
        process.execPath,
        [
          '--input-type=module',
          '-e',
          `import { createInboxWorker, createWebhookReceiver } from '@armalo-webhooks/core';
import { createUncheckedDelivery } from '@armalo-webhooks/core/testing';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
           await createPgBossInbox({ pglite: ${JSON.stringify(shared)} }).ready();
           console.log('ready');
           setInterval(() => {}, 1000);`,
        ],
        { cwd: fileURLToPath(new URL('.', import.meta.url)), stdio: ['ignore', 'pipe', 'inherit'] },
      );
      await new Promise<void>((resolve) =>
        holder.stdout.on('data', (chunk) => String(chunk).includes('ready') && resolve()),
      );
      const refused = createPgBossInbox({ pglite: shared }, { onError: false });
      await expect(refused.ready()).rejects.toThrow(`is open in process ${holder.pid}`);
      holder.kill('SIGKILL');
      await new Promise((resolve) => holder.once('exit', resolve));
      const after = createPgBossInbox({ pglite: shared }, { onError: false });
      await after.ready();
      await after.close();
    } finally {
      rmSync(shared, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('per-key ordering on PGlite, whose clock counts milliseconds', () => {
  it('keeps the stored order of one key’s deliveries stored at the same moment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'armalo-inbox-order-'));
    const inbox = createPgBossInbox(
      { pglite: dir },
      { pollIntervalMs: 20, onError: false, orderBy: (event) => `escrow:${String(event.data.escrowId)}` },
    );
    try {
      await inbox.ready();
      // Stored all at once, in this order: pg-boss orders a key by created_on (now(), whole
      // milliseconds here), and a tie would go to the job id, a hash.
      const count = 120;
      await Promise.all(
        Array.from({ length: count }, (_, seq) => {
          const signed = createUncheckedDelivery('escrow.funded', { escrowId: 'e1', seq }, { secret: 'whsec_tie' });
          return inbox.enqueue({
            deliveryId: `tie-${seq}`,
            event: 'escrow.funded',
            body: Buffer.from(signed.body).toString('base64'),
            receivedAt: Date.now(),
            secretIndex: 0,
            trace: {},
            orderKey: 'escrow:e1',
          });
        }),
      );
      const webhooks = createWebhookReceiver({ secret: 'whsec_tie', inbox, logger: { warn() {}, error() {} } });
      const ran: number[] = [];
      webhooks.on('escrow.funded', (event) => void ran.push(Number(event.data.seq)));
      const worker = createInboxWorker(webhooks, { concurrency: 8 });
      await worker.start();
      const deadline = Date.now() + 60_000;
      while (ran.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      await worker.stop();
      expect(ran).toEqual(Array.from({ length: count }, (_, seq) => seq));
    } finally {
      await inbox.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
