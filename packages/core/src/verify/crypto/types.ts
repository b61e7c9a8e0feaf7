import type { MaybePromise } from '../../maybe-promise.js';

/**
 * What the verifier needs from a crypto backend. `#crypto` resolves to the `node:crypto`
 * backend on Node, Bun and Deno, and to the Web Crypto backend on Edge runtimes and Workers
 * (package.json "imports" conditions), so no `node:` import ever reaches an Edge bundle.
 */
export interface CryptoBackend<Keys> {
  /** Prepares the secrets once, at receiver creation. */
  prepareKeys(secrets: readonly string[]): Keys;
  /**
   * Index of the secret whose HMAC-SHA256 of `body` equals the 64-hex-digit `signature`, or -1.
   * Every secret is compared, in constant time, whatever matched first.
   */
  matchSignature(keys: Keys, body: Uint8Array, signature: string): MaybePromise<number>;
  /** Lower-case hex HMAC-SHA256 of `body` under `secret`. */
  hmacHex(secret: string, body: Uint8Array): MaybePromise<string>;
  /** Lower-case hex SHA-256 of `body`: the idempotency key under a fixed `idempotency.scope`. */
  sha256Hex(body: Uint8Array): MaybePromise<string>;
}
