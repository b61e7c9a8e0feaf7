import { createInboxWorker } from '@armalo-webhooks/core';
import { createApp } from './app.js';
import { openStorage } from './storage.js';

const secret = process.env.ARMALO_WEBHOOK_SECRET;
if (secret === undefined || secret.trim() === '') {
  console.error(
    'ARMALO_WEBHOOK_SECRET is not set. Start the example with the webhook secret Armalo returned when you ' +
      'registered the webhook, for example:\n  ARMALO_WEBHOOK_SECRET=whsec_test pnpm --filter @examples/express start',
  );
  process.exit(1);
}

const port = Number(process.env.PORT ?? 3000);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`PORT must be an integer between 0 and 65535, got ${JSON.stringify(process.env.PORT)}`);
  process.exit(1);
}

// No top-level await: this file also runs where the project is not "type": "module".
async function main(): Promise<void> {
  const storage = await openStorage(process.env);
  const { app, webhooks } = createApp(secret as string, storage);
  // The worker runs in this process too; it can also run on its own (see examples/inbox).
  const worker = createInboxWorker(webhooks, { concurrency: 4 });
  await worker.start();

  const server = app.listen(port, '127.0.0.1', () => {
    const address = server.address();
    const bound = typeof address === 'object' && address !== null ? address.port : port;
    console.log(
      [
        `armalo-webhooks express example listening on http://127.0.0.1:${bound}`,
        `  webhook endpoint: POST http://127.0.0.1:${bound}/webhooks/armalo`,
        `  inbox: ${storage.where}`,
      ].join('\n'),
    );
  });
  server.on('error', (error) => {
    console.error(`could not listen on 127.0.0.1:${port}: ${error.message}`);
    process.exit(1);
  });

  function shutdown(signal: NodeJS.Signals): void {
    console.log(`${signal} received, closing`);
    // Stop taking requests, let the worker finish what it holds, then close the inbox; give up after 10 s.
    server.close(async () => {
      await worker.stop();
      await storage.close();
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      server.closeAllConnections();
      process.exit(1);
    }, 10_000).unref();
  }
  process.once('SIGTERM', shutdown);
  process.once('SIGINT', shutdown);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
