// Bun and Deno: `bun src/serve.ts`, `deno run --allow-net --allow-env src/serve.ts`. The `.ts` import
// specifier is what Deno wants; tsconfig.json allows it (allowImportingTsExtensions).
import { createApp, requireSecret } from './app.ts';

const app = createApp(requireSecret());
const port = Number(process.env.PORT ?? 3000);
const listening = (actual: number) =>
  console.log(`armalo-webhooks hono example listening on http://127.0.0.1:${actual}`);

interface Runtimes {
  Bun?: { serve(options: object): { port: number } };
  Deno?: { serve(options: object, handler: (request: Request) => Response | Promise<Response>): unknown };
}
const { Bun, Deno } = globalThis as Runtimes;
if (Bun) {
  listening(Bun.serve({ hostname: '127.0.0.1', port, fetch: app.fetch }).port);
} else if (Deno) {
  Deno.serve(
    { hostname: '127.0.0.1', port, onListen: (address: { port: number }) => listening(address.port) },
    app.fetch,
  );
} else {
  console.error('src/serve.ts is for Bun and Deno; on Node.js run src/node.ts (pnpm start).');
  process.exit(1);
}
