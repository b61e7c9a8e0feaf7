// The web process: verifies, stores in the inbox, answers 200 {"ok":true,"queued":true}. No handler runs here.
import { createServer } from 'node:http';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { webhooks } from './webhooks.js';

const port = Number(process.env.PORT ?? 3000);
createServer(createNodeHandler(webhooks)).listen(port, () => {
  console.log(`[web] POST http://127.0.0.1:${port}/ stores deliveries in the inbox`);
});
