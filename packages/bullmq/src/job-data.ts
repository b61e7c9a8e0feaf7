import type { InboxFailure, StoredDelivery } from '@armalo-webhooks/core';

/** A job's data: the stored delivery, the token that tells a new job from a duplicate, the last error. */
export interface JobData extends StoredDelivery {
  token: string;
  lastError?: InboxFailure;
}
