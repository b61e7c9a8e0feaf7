import { createApiHandler } from '@armalo-webhooks/next/pages';
import { createWebhooks } from '@/lib/webhooks';

// Required, and required to be written here as a literal: Next reads `config` from the route file
// at build time. Without it Next parses the body first and the signed bytes are gone.
export const config = { api: { bodyParser: false } };

export default createApiHandler(() => createWebhooks('pages'));
