import { createApiHandler } from '@armalo-webhooks/next/pages';
import { createWebhooks } from '@/lib/webhooks';

// DELIBERATELY BROKEN, do not copy: this route omits `export const config = { api: { bodyParser: false } }`.
// It shows the answer you get then: 500 RAW_BODY_UNAVAILABLE, with a message naming that fix.
export default createApiHandler(() => createWebhooks('pages-misconfigured'));
