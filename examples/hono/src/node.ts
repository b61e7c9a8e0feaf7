import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { createApp, requireSecret } from './app.ts';

const app = createApp(requireSecret());
const server = serve(
  { fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT ?? 3000) },
  (info: AddressInfo) => console.log(`armalo-webhooks hono example listening on http://127.0.0.1:${info.port}`),
);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => server.close(() => process.exit(0)));
}
