import { createRouteHandler } from '@armalo-webhooks/next';
import { createWebhooks } from '@/lib/webhooks';

// App Router on the Node.js runtime (the default). `POST` receives deliveries; the other methods
// are exported too so that they answer the library's JSON 405 with `Allow: POST` rather than
// Next's empty 405. `export const { POST } = ...` alone is enough to receive webhooks.
export const { POST, GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = createRouteHandler(() => createWebhooks('app-node'));
