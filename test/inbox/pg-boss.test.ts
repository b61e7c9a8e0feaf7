import { createPgBossInbox } from '@armalo-webhooks/pg-boss';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
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

  describeInboxContract(
    'createPgBossInbox()',
    async (ordering = {}) => {
      const inbox = createPgBossInbox(
        { connectionString: DATABASE_URL, max: 4 },
        {
          schema,
          queue: `contract-${randomId()}`,
          // In the test's schema, so that dropping it removes the watermarks too.
          freshnessTable: `${schema}.freshness`,
          pollIntervalMs: 50,
          maintenanceIntervalSeconds: 1,
          onError: false,
          ...ordering,
        },
      );
      await inbox.ready();
      return { inbox, cleanup: () => inbox.close() };
    },
    { ordering: true },
  );

  // An app that already runs pg-boss 12 passes its own instance and pool: the inbox neither starts
  // a second pg-boss on the schema nor stops the app's.
  describeInboxContract('createPgBossInbox({ boss, pool })', async () => {
    const boss = new PgBoss({
      connectionString: DATABASE_URL,
      schema,
      max: 3,
      schedule: false,
      superviseIntervalSeconds: 1,
      monitorIntervalSeconds: 1,
      maintenanceIntervalSeconds: 1,
    });
    boss.on('error', () => {});
    const pool = new pg.Pool({ connectionString: DATABASE_URL, max: 4 });
    const inbox = createPgBossInbox(
      { boss, pool },
      {
        queue: `contract-own-${randomId()}`,
        freshnessTable: `${schema}.freshness`,
        pollIntervalMs: 50,
        onError: false,
      },
    );
    await inbox.ready();
    return {
      inbox,
      cleanup: async () => {
        await inbox.close();
        await boss.stop({ graceful: false });
        await pool.end();
      },
    };
  });
}
