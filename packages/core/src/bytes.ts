const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * A request body as received: bytes (`Uint8Array`, `Buffer`, `ArrayBuffer`) or a string, which is
 * taken as UTF-8. Pass bytes whenever you have them: a string that was decoded from bytes and
 * re-encoded may no longer be the bytes that were signed.
 *
 * @example
 * ```ts
 * const rawBody: RawBody = await request.arrayBuffer();
 * ```
 */
export type RawBody = Uint8Array | ArrayBuffer | string;

/** The exact bytes of a body; bytes are used as they are, never copied. */
export function toBytes(body: RawBody): Uint8Array {
  if (body instanceof Uint8Array) return body;
  if (typeof body === 'string') return encoder.encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  throw new TypeError(`rawBody must be a Uint8Array, Buffer, ArrayBuffer or string, got ${describe(body)}`);
}

/**
 * Decodes UTF-8 strictly: invalid byte sequences throw instead of turning into U+FFFD, and a
 * leading byte-order mark is removed (RFC 8259 lets a parser ignore it; the signature was
 * already checked over the bytes that include it).
 */
export function decodeUtf8(bytes: Uint8Array): string {
  const text = decoder.decode(bytes);
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'object';
  return typeof value;
}

/** Base64 of bytes, for engines that store JSON. `btoa` exists in Node and every fetch runtime. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = '';
  // Chunks keep String.fromCharCode under the engines' argument limit.
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

/** The bytes of a base64 string written by {@link bytesToBase64}. */
export function base64ToBytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/**
 * The bytes of a body its host hands over base64-encoded (a Lambda event's `isBase64Encoded`), or
 * undefined when the text is not canonical base64: only the standard alphabet, `=` padding to a
 * multiple of 4, nothing before or after, no stray bits. `atob` alone would accept whitespace,
 * missing padding and non-zero trailing bits; only the one encoding of the bytes is taken.
 */
export function strictBase64ToBytes(text: string): Uint8Array | undefined {
  let bytes: Uint8Array;
  try {
    bytes = base64ToBytes(text);
  } catch {
    return undefined;
  }
  return bytesToBase64(bytes) === text ? bytes : undefined;
}
