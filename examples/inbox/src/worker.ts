// The worker process: runs the handlers for what the web process stored. Start as many as you like.
import { createInboxWorker } from '@armalo-webhooks/core';
import { webhooks } from './webhooks.js';

const worker = createInboxWorker(webhooks, { concurrency: 8, retry: { attempts: 5, baseMs: 1_000 } });
await worker.start();
console.log('[worker] started');
process.on('SIGTERM', () => void worker.stop().then(() => process.exit(0))); // finishes what it holds
process.on('SIGINT', () => void worker.stop().then(() => process.exit(0)));
