import backend from '#crypto';
import { type RawBody, toBytes } from '../bytes.js';
import type { MaybePromise } from '../maybe-promise.js';
import { normalizeSecrets } from './secrets.js';

/** The name of the header that carries the signature, lower-cased as Node exposes it. */
export const SIGNATURE_HEADER = 'x-armalo-signature';

const HEX_64 = /^[0-9a-fA-F]{64}$/;

/**
 * The outcome of checking a signature header.
 *
 * @example
 * ```ts
 * const outcome: VerifyOutcome = { ok: true, secretIndex: 0 };
 * ```
 */
export type VerifyOutcome =
  | { ok: true; secretIndex: number }
  | { ok: false; code: 'MISSING_SIGNATURE' | 'MALFORMED_SIGNATURE' | 'INVALID_SIGNATURE'; reason: string };

/**
 * What {@link parseSignatureHeader} makes of a header value.
 *
 * @example
 * ```ts
 * const check: SignatureHeaderCheck = { ok: false, code: 'MALFORMED_SIGNATURE', reason: 'header sent more than once' };
 * ```
 */
export type SignatureHeaderCheck =
  | { ok: true; signature: string }
  | { ok: false; code: 'MISSING_SIGNATURE' | 'MALFORMED_SIGNATURE'; reason: string };

/**
 * The header rule the receiver applies, for tools that check headers (the CLI's `verify` uses it):
 * surrounding whitespace is trimmed, hex is case-insensitive, anything but one value of exactly 64
 * hex digits is malformed. Checked before any HMAC work, so a malformed header costs the same
 * whatever the secrets are.
 *
 * @example
 * ```ts
 * import { parseSignatureHeader } from '@armalo-webhooks/core';
 * parseSignatureHeader('sha256=ab12…'); // { ok: false, code: 'MALFORMED_SIGNATURE', reason: 'not 64 hexadecimal characters' }
 * ```
 */
export function parseSignatureHeader(value: string | readonly string[] | null | undefined): SignatureHeaderCheck {
  if (value === null) value = undefined;
  if (value === undefined) return { ok: false, code: 'MISSING_SIGNATURE', reason: 'header absent' };
  if (typeof value !== 'string') {
    if (value.length === 0) return { ok: false, code: 'MISSING_SIGNATURE', reason: 'header absent' };
    if (value.length > 1) return { ok: false, code: 'MALFORMED_SIGNATURE', reason: 'header sent more than once' };
    value = value[0];
    if (typeof value !== 'string') return { ok: false, code: 'MALFORMED_SIGNATURE', reason: 'not a string' };
  }
  const signature = value.trim();
  if (signature === '') return { ok: false, code: 'MISSING_SIGNATURE', reason: 'header empty' };
  if (!HEX_64.test(signature)) {
    return { ok: false, code: 'MALFORMED_SIGNATURE', reason: 'not 64 hexadecimal characters' };
  }
  return { ok: true, signature };
}

/**
 * A verifier bound to its secrets, prepared once.
 *
 * @example
 * ```ts
 * const verifier = createVerifier({ secret: [current, previous] });
 * const outcome = await verifier.verify(rawBody, req.headers['x-armalo-signature']);
 * ```
 */
export interface Verifier {
  verify(rawBody: RawBody, signatureHeader: string | readonly string[] | undefined): MaybePromise<VerifyOutcome>;
}

/**
 * Options for {@link createVerifier}.
 *
 * @example
 * ```ts
 * const options: VerifierOptions = { secret: process.env.ARMALO_WEBHOOK_SECRET! };
 * ```
 */
export interface VerifierOptions {
  /** The webhook secret, or `[current, previous]` while rotating. */
  secret: string | readonly string[];
}

/**
 * Creates a reusable verifier. On Node the result is synchronous (no promise is allocated);
 * on Web Crypto runtimes it is a promise. `await` works for both.
 *
 * @example
 * ```ts
 * import { createVerifier } from '@armalo-webhooks/core';
 * const verifier = createVerifier({ secret: 'whsec_…' });
 * const outcome = await verifier.verify(rawBody, signatureHeader);
 * if (outcome.ok) console.log('matched secret', outcome.secretIndex);
 * ```
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const keys = backend.prepareKeys(normalizeSecrets(options.secret));
  return {
    verify(rawBody, signatureHeader) {
      const header = parseSignatureHeader(signatureHeader);
      if (!header.ok) return header;
      const index = backend.matchSignature(keys, toBytes(rawBody), header.signature) as MaybePromise<number>;
      return typeof index === 'number' ? outcome(index) : index.then(outcome);
    },
  };
}

function outcome(index: number): VerifyOutcome {
  return index === -1
    ? { ok: false, code: 'INVALID_SIGNATURE', reason: 'no configured secret produces this signature' }
    : { ok: true, secretIndex: index };
}

/**
 * Checks an `X-Armalo-Signature` header against the raw body, with the call shape of the provider
 * SDK's `verifyWebhookSignature`, so code written from Armalo's docs works unchanged. Pass the
 * raw bytes when you have them; a string is taken as UTF-8. `secret` may be an array during rotation.
 * For repeated use, {@link createVerifier} prepares the key once.
 *
 * @example
 * ```ts
 * import { verifyWebhookSignature } from '@armalo-webhooks/core';
 * const isValid = await verifyWebhookSignature(rawBody, req.headers['x-armalo-signature'], 'whsec_…');
 * if (!isValid) return res.status(401).send('Invalid signature');
 * ```
 */
export function verifyWebhookSignature(
  rawBody: RawBody,
  signatureHeader: string | readonly string[] | null | undefined,
  secret: string | readonly string[],
): Promise<boolean> {
  // Not an async function: a bad `secret` or `rawBody` throws here, where it is called, like a
  // misconfiguration should, instead of becoming a rejected promise that reads as "invalid".
  const outcome = cachedVerifier(secret).verify(rawBody, signatureHeader ?? undefined);
  return Promise.resolve(outcome).then((result) => result.ok);
}

// One-entry cache: callers of the function form nearly always pass the same secret on every call,
// and preparing a key costs more than verifying a small body. The key is unambiguous: a joined list
// could equal a single secret that contains the separator.
let cached: { key: string; verifier: Verifier } | undefined;

function cachedVerifier(secret: string | readonly string[]): Verifier {
  // Anything but a string or an array is never cached: createVerifier refuses it with the reason.
  const key = typeof secret === 'string' ? `s:${secret}` : Array.isArray(secret) ? JSON.stringify(secret) : '';
  if (key === '' || cached?.key !== key) cached = { key, verifier: createVerifier({ secret }) };
  return cached.verifier;
}

/**
 * The lower-case hex HMAC-SHA256 of `rawBody` under `secret`: the value Armalo puts in
 * `X-Armalo-Signature`. For tests and tools; the test kit has a synchronous variant.
 *
 * @example
 * ```ts
 * import { signPayload } from '@armalo-webhooks/core';
 * const signature = await signPayload('{"event":"score.changed"}', 'whsec_test');
 * ```
 */
export async function signPayload(rawBody: RawBody, secret: string): Promise<string> {
  return backend.hmacHex(secret, toBytes(rawBody));
}
