// The web process: verifies, stores in the inbox, answers 200 {"ok":true,"queued":true}. No handler runs here.
import { createServer } from 'node:http';
import { createNodeHandler } from '@armalo-webhooks/core/node';
import { inbox, webhooks } from './webhooks.js';

const port = Number(process.env.PORT ?? 3000);
const server = createServer(createNodeHandler(webhooks));
// pg-boss starts (and on a first start creates its schema) before the first request, not during it.
const ready = 'ready' in inbox ? (inbox as { ready(): Promise<void> }).ready() : Promise.resolve();
ready.then(
  () =>
    server.listen(port, () => {
      console.log(`[web] POST http://127.0.0.1:${port}/ stores deliveries in the ${inbox.kind} inbox`);
    }),
  (error: unknown) => {
    console.error('[web] the inbox did not start:', error);
    process.exit(1);
  },
);

// Graceful shutdown: stop taking requests, let the ones in flight finish storing, then close the inbox.
function shutdown(): void {
  server.close(() => void inbox.close());
  server.closeIdleConnections();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
