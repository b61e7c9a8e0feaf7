import { createHash } from 'node:crypto';

/**
 * The job id of a delivery. BullMQ deduplicates on the job id, but refuses ids that are integer
 * strings or contain `:`, and a delivery id contains `:` (`<scope>:<key>`): a digest is always valid.
 */
export function deliveryJobId(deliveryId: string): string {
  return `d_${createHash('sha256').update(deliveryId, 'utf8').digest('base64url')}`;
}
