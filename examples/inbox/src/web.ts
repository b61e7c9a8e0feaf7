// The web process: verifies, stores in the inbox, answers 200 {"ok":true,"queued":true}. No handler runs here.
import { createServer } from 'node:http';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { inbox, webhooks } from './webhooks.js';

const port = Number(process.env.PORT ?? 3000);
const server = createServer(createNodeHandler(webhooks)).listen(port, () => {
  console.log(`[web] POST http://127.0.0.1:${port}/ stores deliveries in the ${inbox.kind} inbox`);
});

// Graceful shutdown: stop taking requests, let the ones in flight finish storing, then close the inbox.
function shutdown(): void {
  server.close(() => void inbox.close());
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
