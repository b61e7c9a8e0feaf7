import { createRouteHandler } from '@armalo-webhooks/next';
import { createWebhooks } from '@/lib/webhooks';

// The same handler on the Edge runtime: verification runs on Web Crypto and nothing from `node:`
// is bundled. Must be a literal in this file: Next reads it statically at build time.
export const runtime = 'edge';

export const { POST, GET, HEAD, PUT, PATCH, DELETE, OPTIONS } = createRouteHandler(() => createWebhooks('app-edge'));
