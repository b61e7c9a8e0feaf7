import backend from '#crypto';
import { decodeUtf8 } from '../bytes.js';
import { EVENT_CATALOG, isCatalogEventName } from '../events/catalog.js';
import { parseEnvelope } from '../events/envelope.js';
import type { SchemaMap } from '../events/event-types.js';
import { clip, formatIssues, type Issue } from '../events/issues.js';
import type { Envelope, UnknownData } from '../events/schemas.js';
import type { StandardSchemaV1 } from '../events/standard-schema.js';
import { getHeader, type HeadersInput } from '../headers.js';
import type { MaybePromise } from '../maybe-promise.js';
import type { ReceiverConfig } from '../receiver/config.js';
import { parseSignatureHeader, SIGNATURE_HEADER } from '../verify/signature.js';
import { type ResultMeta, refusal, type WebhookResult } from './result.js';

// The pipeline's steps: plain functions that return their value, or the refusal to answer with.
// Each one adds what it learned to `meta`, which every later answer carries.

/** Step 2: the signature over the exact bytes. Returns the index of the secret that matched. */
export function verifySignature(
  keys: ReceiverConfig['keys'],
  bytes: Uint8Array,
  headers: HeadersInput,
  meta: ResultMeta,
): MaybePromise<Verified | WebhookResult> {
  const header = parseSignatureHeader(getHeader(headers, SIGNATURE_HEADER));
  if (!header.ok) return refusal(header.code, { meta });
  const { signature } = header;
  const matched = backend.matchSignature(keys as never, bytes, signature) as MaybePromise<number>;
  // Node's HMAC answers synchronously, Web Crypto's with a promise.
  return matched instanceof Promise
    ? matched.then((index) => secretMatched(index, signature, meta))
    : secretMatched(matched, signature, meta);
}

/** Which secret verified a delivery, and the tag that identifies its bytes under that secret. */
export interface Verified {
  secretIndex: number;
  /**
   * The first 32 hex digits (128 bits) of the verified signature, lower-case. Under one secret it
   * identifies the bytes as well as a SHA-256 of them would (it is an HMAC-SHA256 of them), and it
   * costs nothing more. Half a tag is no use to a forger: a delivery needs all 256 bits to verify.
   */
  tag: string;
}

function secretMatched(secretIndex: number, signature: string, meta: ResultMeta): Verified | WebhookResult {
  if (secretIndex === -1) return refusal('INVALID_SIGNATURE', { meta });
  meta.secretIndex = secretIndex;
  return { secretIndex, tag: signature.slice(0, 32).toLowerCase() };
}

/** Step 3: strict UTF-8, JSON, the envelope. */
export function parseDelivery(bytes: Uint8Array, meta: ResultMeta): Envelope | WebhookResult {
  let json: unknown;
  try {
    json = JSON.parse(decodeUtf8(bytes));
  } catch {
    return refusal('INVALID_JSON', { meta });
  }
  const parsed = parseEnvelope(json);
  if (!parsed.success) {
    return refusal('INVALID_ENVELOPE', { meta, details: { issues: formatIssues(parsed.error.issues) } });
  }
  meta.event = parsed.data.event;
  return parsed.data;
}

/** Step 4: the replay window on the signed timestamp. Returns the timestamp in milliseconds. */
export function checkReplayWindow(
  window: ReceiverConfig['tolerance'],
  envelope: Envelope,
  now: number,
  meta: ResultMeta,
): number | WebhookResult {
  const timestampMs = Date.parse(envelope.timestamp);
  if (window && (timestampMs < now - window.pastMs || timestampMs > now + window.futureMs)) {
    return refusal('TIMESTAMP_OUT_OF_TOLERANCE', { meta, details: window });
  }
  return timestampMs;
}

/**
 * Step 5: a known event's `data` against its schema (a user schema wins over the catalog's); an
 * unknown name is acknowledged or refused by `unknownEvents`. Returns the data handlers get:
 * the schema's output, extra fields passed through. `known` says which handlers apply.
 */
export function validateEvent(
  config: Pick<ReceiverConfig, 'schemas' | 'rejectUnknown'>,
  envelope: Envelope,
  meta: ResultMeta,
): MaybePromise<{ known: boolean; data: UnknownData } | WebhookResult> {
  const name = envelope.event;
  const userSchema = Object.hasOwn(config.schemas, name) ? config.schemas[name] : undefined;
  if (userSchema === undefined && !isCatalogEventName(name)) {
    meta.unknownEvent = true;
    if (config.rejectUnknown) return refusal('UNKNOWN_EVENT', { meta, details: { event: clip(name) } });
    return { known: false, data: envelope.data };
  }
  // zod validates synchronously; a Standard Schema validator may answer with a promise.
  const checked = validateWith(userSchema ?? EVENT_CATALOG[name as keyof typeof EVENT_CATALOG].schema, envelope.data);
  return checked instanceof Promise
    ? checked.then((c) => dataChecked(c, name, meta))
    : dataChecked(checked, name, meta);
}

function dataChecked(
  checked: Checked,
  name: string,
  meta: ResultMeta,
): { known: true; data: UnknownData } | WebhookResult {
  if (checked.ok) return { known: true, data: checked.value as UnknownData };
  return refusal('INVALID_EVENT_DATA', { meta, details: { event: clip(name), issues: checked.issues } });
}

type Checked = { ok: true; value: unknown } | { ok: false; issues: Issue[] };

/** Runs any Standard Schema (zod's included); a promise only when the validator answers with one. */
function validateWith(schema: StandardSchemaV1, data: unknown): Checked | Promise<Checked> {
  const result = schema['~standard'].validate(data);
  return result instanceof Promise ? result.then(checked) : checked(result);
}

function checked(result: StandardSchemaV1.Result<unknown>): Checked {
  return result.issues ? { ok: false, issues: formatIssues(result.issues) } : { ok: true, value: result.value };
}

/** Whether `name` is routable: in the catalog or given a schema. */
export function isKnownEvent(schemas: SchemaMap, name: string): boolean {
  return Object.hasOwn(schemas, name) || isCatalogEventName(name);
}
