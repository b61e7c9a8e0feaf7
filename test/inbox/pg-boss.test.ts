import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { DATABASE_URL, postgresAvailable, randomId } from '../stores/servers.js';
import { describeInboxContract } from './contract.js';

const available = await postgresAvailable();
const schema = `inbox_contract_${randomId()}`;

if (available) {
  let admin: pg.Client;
  beforeAll(async () => {
    admin = new pg.Client({ connectionString: DATABASE_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  });

  describeInboxContract('createPgBossInbox()', async () => {
    const inbox = createPgBossInbox(
      { connectionString: DATABASE_URL, max: 4 },
      { schema, queue: `contract-${randomId()}`, pollIntervalMs: 50, maintenanceIntervalSeconds: 1, onError: false },
    );
    await inbox.ready();
    return { inbox, cleanup: () => inbox.close() };
  });
}
