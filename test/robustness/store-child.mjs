// A receiver process for the process-kill row: node:http + createNodeHandler with a Redis or
// PostgreSQL store shared with its siblings. Prints JSON lines: { type: 'listening', port } once
// it listens, { type: 'in-handler', id } when a handler starts, { type: 'handled', id } when one
// succeeds. With HANG=1 every handler stalls forever after saying 'in-handler' (the process is
// then killed by the test). Configured through the environment:
//   STORE (redis | postgres), STORE_URL, KEY_PREFIX or STORE_TABLE, SECRET, LEASE_MS, HANG
import { createServer } from 'node:http';
import { createWebhookReceiver } from '@armalo-webhooks/core';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { createPostgresStore } from '@armalo-webhooks/postgres';
import { createRedisStore } from '@armalo-webhooks/redis';
import { Redis } from 'ioredis';
import pg from 'pg';

const env = process.env;
const say = (message) => process.stdout.write(`${JSON.stringify(message)}\n`);

const store =
  env.STORE === 'postgres'
    ? createPostgresStore({ pool: new pg.Pool({ connectionString: env.STORE_URL, max: 2 }), table: env.STORE_TABLE })
    : createRedisStore({ client: new Redis(env.STORE_URL, { maxRetriesPerRequest: 1 }), keyPrefix: env.KEY_PREFIX });

const receiver = createWebhookReceiver({
  secret: env.SECRET,
  idempotency: { store, leaseMs: Number(env.LEASE_MS) },
  logger: { warn: (m) => say({ type: 'log', line: m }), error: (m) => say({ type: 'log', line: m }) },
  onError: (error) => say({ type: 'log', line: `${error.code} ${error.message}` }),
});

receiver.on('pact.violated', async (event) => {
  say({ type: 'in-handler', id: event.data.id });
  if (env.HANG === '1') await new Promise(() => {});
  say({ type: 'handled', id: event.data.id });
});

const server = createServer(createNodeHandler(receiver));
server.listen(0, '127.0.0.1', () => say({ type: 'listening', port: server.address().port }));
