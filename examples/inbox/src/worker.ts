// The worker process: runs the handlers for what the web process stored. Start as many as you like.
import { createInboxWorker } from '@armalo-webhooks/core';
import { inbox, webhooks } from './webhooks.js';

const worker = createInboxWorker(webhooks, { concurrency: 8, retry: { attempts: 5, baseMs: 1_000 } });

// No top-level await, so this also compiles in a project without "type": "module".
worker.start().then(
  () => console.log('[worker] started'),
  (error: unknown) => {
    console.error('[worker] could not start:', error);
    process.exit(1);
  },
);

// Finishes the deliveries it holds (up to stopTimeoutMs), takes no new ones, then closes the inbox.
async function shutdown(): Promise<void> {
  await worker.stop();
  await inbox.close();
  process.exit(0);
}
process.once('SIGTERM', () => void shutdown());
process.once('SIGINT', () => void shutdown());
