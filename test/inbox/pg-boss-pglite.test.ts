import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import { afterAll } from 'vitest';
import { randomId } from '../stores/servers.js';
import { describeInboxContract } from './contract.js';

// The same contract on pg-boss embedded in PGlite: no server. Every test gets its own queue in
// one directory, reopened by each inbox (one PGlite at a time: the previous one is closed).
const dir = mkdtempSync(join(tmpdir(), 'armalo-inbox-pglite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeInboxContract('createPgBossInbox({ pglite })', async () => {
  const inbox = createPgBossInbox(
    { pglite: dir },
    { queue: `contract-${randomId()}`, pollIntervalMs: 50, maintenanceIntervalSeconds: 1, onError: false },
  );
  return { inbox, cleanup: () => inbox.close() };
});
