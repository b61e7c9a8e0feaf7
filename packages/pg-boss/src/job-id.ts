import { createHash } from 'node:crypto';

// A fixed namespace for this package's ids (itself a random v4 uuid).
const NAMESPACE = Buffer.from('6f1d3c2a8b7e4f5a9c0d1e2f3a4b5c6d', 'hex');

/**
 * The job id of a delivery: a UUID v5 of the queue and the delivery id. pg-boss deduplicates on
 * the job id (its primary key), so the same delivery sent twice, to any web process, is one job.
 */
export function deliveryJobId(queue: string, deliveryId: string): string {
  return uuidv5(`${queue}:${deliveryId}`);
}

function uuidv5(name: string): string {
  const hash = createHash('sha1').update(NAMESPACE).update(name, 'utf8').digest();
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Whether `value` is a job id (pg-boss's are uuids) rather than a delivery id. */
export function isUuid(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value);
}
