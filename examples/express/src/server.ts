import { createApp } from './app.js';

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

const server = createApp(secret).listen(port, '127.0.0.1', () => {
  const address = server.address();
  const bound = typeof address === 'object' && address !== null ? address.port : port;
  console.log(`armalo-webhooks express example listening on http://127.0.0.1:${bound}`);
  console.log(`  webhook endpoint: POST http://127.0.0.1:${bound}/webhooks/armalo`);
});
server.on('error', (error) => {
  console.error(`could not listen on 127.0.0.1:${port}: ${error.message}`);
  process.exit(1);
});

function shutdown(signal: NodeJS.Signals): void {
  console.log(`${signal} received, closing`);
  // Stop accepting, let in-flight deliveries finish, then exit; give up after 10 s.
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(1);
  }, 10_000).unref();
}
process.once('SIGTERM', shutdown);
process.once('SIGINT', shutdown);
