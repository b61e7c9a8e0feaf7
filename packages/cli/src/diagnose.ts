import { createHmac } from 'node:crypto';
import { createVerifier, type MaybePromise, parseSignatureHeader, type Verifier } from '@armalo-webhooks/core';
import { hasSurroundingWhitespace, type SecretSource } from './secrets.js';

/**
 * What `diagnoseSignature` can find wrong. Several can apply at once.
 *
 * @example
 * ```ts
 * const code: FindingCode = 'SECRET_WHITESPACE';
 * ```
 */
export type FindingCode =
  | 'EMPTY_BODY'
  | 'SIGNATURE_EMPTY'
  | 'SIGNATURE_PREFIX'
  | 'SIGNATURE_BASE64'
  | 'SIGNATURE_NOT_HEX'
  | 'SIGNATURE_WRONG_LENGTH'
  | 'SIGNATURE_TRUNCATED'
  | 'WRONG_ALGORITHM'
  | 'SECRET_WHITESPACE'
  | 'BODY_TRAILING_NEWLINE'
  | 'BODY_RESERIALIZED'
  | 'NO_MATCH';

/**
 * One problem, with a message that says what to change.
 *
 * @example
 * ```ts
 * const finding: Finding = { code: 'SIGNATURE_PREFIX', message: 'the header value starts with "sha256=" …' };
 * ```
 */
export interface Finding {
  code: FindingCode;
  message: string;
}

/**
 * The verdict on a body, a signature header value and one or more secrets.
 * `ok` is core's verdict: a receiver configured with these secrets accepts the header exactly as
 * given, and `matched` is the secret that matched (`index` counts from 0, like core's `secretIndex`).
 * Otherwise `findings` explains why not, and `matched` names the secret that works once the
 * findings are fixed, if one does.
 *
 * @example
 * ```ts
 * const diagnosis: Diagnosis = { ok: true, matched: { index: 1, label: '--secret #1', of: 2 }, findings: [] };
 * ```
 */
export interface Diagnosis {
  ok: boolean;
  matched?: { index: number; label: string; of: number };
  findings: Finding[];
}

const HEX_DIGIT = /^[0-9a-f]$/i;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$|^[A-Za-z0-9_-]{43}$/;
const PREFIX = /^([A-Za-z][A-Za-z0-9_.-]*)\s*[=:]\s*(\S.*)$/;

interface Variant<T> {
  value: T;
  cost: number;
  finding?: Finding;
}

/**
 * Explains why a signature does or does not verify. Whether it verifies, and with which secret,
 * is decided by core's verifier (`createVerifier`, `parseSignatureHeader`), so `ok` here means a
 * receiver accepts it. When it does not, the usual mistakes are tried in turn: a `sha256=` prefix,
 * base64 instead of hex, a truncated copy, another hash, a secret with surrounding whitespace, a
 * trailing newline, and a body re-serialized with other spacing (the sender signed other bytes
 * than the ones hashed here). Secrets are never part of a message; they are named by their label.
 *
 * @example
 * ```ts
 * import { diagnoseSignature } from 'armalo-webhooks';
 * const diagnosis = diagnoseSignature(body, 'sha256=3f…', [{ value: secret, label: '--secret #0' }]);
 * diagnosis.findings[0]?.code; // 'SIGNATURE_PREFIX'
 * ```
 */
export function diagnoseSignature(
  body: Uint8Array | string,
  signatureHeader: string,
  secrets: readonly SecretSource[],
): Diagnosis {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const verified = verifyAsReceiver(bytes, signatureHeader, secrets);
  if (verified !== undefined) return { ok: true, matched: matchOf(verified, secrets), findings: [] };

  const findings: Finding[] = [];
  if (bytes.length === 0) {
    findings.push({
      code: 'EMPTY_BODY',
      message: 'the body is empty: pass the raw request body with --file <path> or on stdin',
    });
  }
  const header = parseSignatureHeader(signatureHeader);
  if (!header.ok && header.code === 'MISSING_SIGNATURE') {
    findings.push({
      code: 'SIGNATURE_EMPTY',
      message: 'the signature is empty: pass the X-Armalo-Signature header value',
    });
    return { ok: false, findings };
  }

  const secretVariants = secretVariantsOf(secrets);
  const bodyVariants = bodyVariantsOf(bytes);
  const signature = interpretSignature(signatureHeader.trim());
  findings.push(...signature.findings);

  if (signature.hex === undefined) {
    const fallback = diagnoseUnusableSignature(signature.raw, secretVariants, bodyVariants);
    if (fallback === undefined) return { ok: false, findings };
    // A recognised signature replaces the generic length complaint with the specific one.
    const specific = findings.filter((finding) => finding.code !== 'SIGNATURE_WRONG_LENGTH');
    return { ok: false, ...fixedBy(fallback.secret, secrets), findings: [...specific, ...fallback.findings] };
  }

  const best = bestMatch(signature.hex, secretVariants, bodyVariants);
  if (best === undefined) {
    findings.push(noMatchFinding(secrets.length, bytes.length));
    return { ok: false, findings };
  }
  for (const finding of [best.secret.finding, best.body.finding]) if (finding !== undefined) findings.push(finding);
  return { ok: false, ...fixedBy(best.secret.value, secrets), findings };
}

function matchOf(index: number, secrets: readonly SecretSource[]): NonNullable<Diagnosis['matched']> {
  return { index, label: secrets[index]?.label ?? `#${index}`, of: secrets.length };
}

// The secret that verifies once the findings are fixed. A key that matches only with its
// whitespace kept is one no receiver accepts, so no configured secret fixes that.
function fixedBy(secret: SecretCandidate, secrets: readonly SecretSource[]): Pick<Diagnosis, 'matched'> {
  return secret.verifier === undefined ? {} : { matched: matchOf(secret.index, secrets) };
}

/** Whether core takes a value as a secret: a non-empty string without surrounding whitespace. */
function acceptedByCore(secret: string): boolean {
  return secret !== '' && !hasSurroundingWhitespace(secret);
}

// Core's verdict, as a receiver configured with these secrets (those core takes, in order) gives
// it: the index of the secret that matched, or undefined.
function verifyAsReceiver(bytes: Buffer, header: string, secrets: readonly SecretSource[]): number | undefined {
  const accepted = secrets.flatMap((secret, index) => (acceptedByCore(secret.value) ? [index] : []));
  if (accepted.length === 0) return undefined;
  const verifier = createVerifier({ secret: accepted.map((index) => secrets[index]?.value ?? '') });
  const outcome = settled(verifier.verify(bytes, header));
  return outcome.ok ? accepted[outcome.secretIndex] : undefined;
}

// Core verifies synchronously on Node, where the CLI runs.
function settled<T>(value: MaybePromise<T>): T {
  if (value instanceof Promise) throw new Error('armalo-webhooks: expected a synchronous verifier on Node');
  return value as T;
}

function interpretSignature(header: string): { raw: string; hex?: string; findings: Finding[] } {
  const findings: Finding[] = [];
  let value = header;
  const prefixed = PREFIX.exec(value);
  if (prefixed !== null) {
    const prefix = header.slice(0, header.length - (prefixed[2] ?? '').length);
    findings.push({
      code: 'SIGNATURE_PREFIX',
      message: `the header value starts with "${prefix}": Armalo sends the bare hex digest and receivers compare the whole value, so remove the prefix before comparing`,
    });
    value = prefixed[2] ?? '';
  }
  const parsed = parseSignatureHeader(value);
  if (parsed.ok) return { raw: value, hex: parsed.signature.toLowerCase(), findings };
  if (BASE64_32_BYTES.test(value)) {
    findings.push({
      code: 'SIGNATURE_BASE64',
      message:
        'the signature is base64, not hex: Armalo sends lower-case hex (64 characters); encode the digest with .digest("hex")',
    });
    return { raw: value, hex: Buffer.from(value, 'base64').toString('hex'), findings };
  }
  const chars = [...value];
  const index = chars.findIndex((char) => !HEX_DIGIT.test(char));
  if (index !== -1) {
    findings.push({
      code: 'SIGNATURE_NOT_HEX',
      message: `the signature is not hexadecimal: character ${index + 1} is ${JSON.stringify(chars[index])}; X-Armalo-Signature holds 64 hex digits`,
    });
    return { raw: value, findings };
  }
  findings.push({
    code: 'SIGNATURE_WRONG_LENGTH',
    message: `the signature has ${value.length} hex digits; an HMAC-SHA256 signature has 64${value.length === 40 ? ' (40 is SHA-1)' : value.length === 128 ? ' (128 is SHA-512)' : ''}`,
  });
  return { raw: value.toLowerCase(), findings };
}

/**
 * A key to try: a secret as given, or trimmed. `verifier` is core's verifier for the key; it is
 * absent for a key core refuses (surrounding whitespace kept), which can only explain a signature.
 */
interface SecretCandidate {
  key: string;
  index: number;
  verifier?: Verifier;
}

interface Candidate {
  secret: Variant<SecretCandidate>;
  body: Variant<Buffer>;
}

function bestMatch(
  hex: string,
  secrets: readonly Variant<SecretCandidate>[],
  bodies: readonly Variant<Buffer>[],
): Candidate | undefined {
  let best: Candidate | undefined;
  for (const body of bodies) {
    for (const secret of secrets) {
      const cost = secret.cost + body.cost;
      if (best !== undefined && cost >= best.secret.cost + best.body.cost) continue;
      if (produces(secret.value, body.value, hex)) best = { secret, body };
    }
  }
  return best;
}

// Core compares wherever core would take the key; a key it refuses is only hashed, to explain.
function produces(secret: SecretCandidate, body: Buffer, hex: string): boolean {
  if (secret.verifier !== undefined) return settled(secret.verifier.verify(body, hex)).ok;
  return hmacHex('sha256', secret.key, body) === hex;
}

function hmacHex(algorithm: 'sha1' | 'sha256' | 'sha512', key: string, body: Buffer): string {
  return createHmac(algorithm, key).update(body).digest('hex');
}

// A signature that cannot be compared as it is may still be recognisable: a truncated copy of
// the right digest, extra characters around it, or the digest of another hash function.
function diagnoseUnusableSignature(
  raw: string,
  secrets: readonly Variant<SecretCandidate>[],
  bodies: readonly Variant<Buffer>[],
): { secret: SecretCandidate; findings: Finding[] } | undefined {
  const lower = raw.toLowerCase();
  for (const body of bodies) {
    for (const secret of secrets) {
      const found = (finding: Finding) => ({
        secret: secret.value,
        findings: [finding, secret.finding, body.finding].filter((item): item is Finding => item !== undefined),
      });
      const digest = hmacHex('sha256', secret.value.key, body.value);
      if (lower.length >= 8 && lower.length < 64 && digest.startsWith(lower)) {
        return found({
          code: 'SIGNATURE_TRUNCATED',
          message: `the signature is the first ${lower.length} of the 64 hex digits of the right one: it was cut short when copied`,
        });
      }
      if (lower.length > 64 && lower.includes(digest)) {
        return found({
          code: 'SIGNATURE_WRONG_LENGTH',
          message: 'the right 64-digit signature is in there, with extra characters around it: send only the digest',
        });
      }
      for (const algorithm of ['sha1', 'sha512'] as const) {
        if (hmacHex(algorithm, secret.value.key, body.value) === lower) {
          return found({
            code: 'WRONG_ALGORITHM',
            message: `the signature is an HMAC-${algorithm.toUpperCase()} of the body; Armalo signs with HMAC-SHA256`,
          });
        }
      }
    }
  }
  return undefined;
}

function secretVariantsOf(secrets: readonly SecretSource[]): Variant<SecretCandidate>[] {
  const variants: Variant<SecretCandidate>[] = [];
  secrets.forEach((secret, index) => {
    if (!acceptedByCore(secret.value)) return;
    variants.push({ value: { key: secret.value, index, verifier: createVerifier({ secret: secret.value }) }, cost: 0 });
  });
  secrets.forEach((secret, index) => {
    const trimmed = secret.value.trim();
    if (!hasSurroundingWhitespace(secret.value) || trimmed === '') return;
    const whitespace = describeWhitespace(secret.value);
    variants.push({
      value: { key: trimmed, index, verifier: createVerifier({ secret: trimmed }) },
      cost: 1,
      finding: {
        code: 'SECRET_WHITESPACE',
        message: `secret ${secret.label} has ${whitespace}: the signature matches once it is trimmed. Trim the secret where it is loaded (an .env file or a copy-paste added it)`,
      },
    });
    // Signed with the whitespace as part of the key (by `sign` given the same padded secret, say).
    variants.push({
      value: { key: secret.value, index },
      cost: 1,
      finding: {
        code: 'SECRET_WHITESPACE',
        message: `secret ${secret.label} has ${whitespace}, and the signature was made with it as part of the key: a receiver refuses a secret with surrounding whitespace at startup. Trim the secret where it is loaded and sign with the trimmed one`,
      },
    });
  });
  return variants;
}

function bodyVariantsOf(bytes: Buffer): Variant<Buffer>[] {
  const variants: Variant<Buffer>[] = [{ value: bytes, cost: 0 }];
  const seen = new Set([bytes.toString('latin1')]);
  const add = (value: Buffer, cost: number, finding: Finding): void => {
    const key = value.toString('latin1');
    if (seen.has(key)) return;
    seen.add(key);
    variants.push({ value, cost, finding });
  };
  const text = bytes.toString('utf8');
  const withoutNewline = text.replace(/(\r?\n)+$/, '');
  if (withoutNewline !== text) {
    add(Buffer.from(withoutNewline, 'utf8'), 1, {
      code: 'BODY_TRAILING_NEWLINE',
      message:
        'the body ends with a newline that was not signed (an editor, echo or a heredoc added it): hash the request body exactly as received, e.g. printf %s or a file without a final newline',
    });
  } else {
    add(Buffer.from(`${text}\n`, 'utf8'), 1, {
      code: 'BODY_TRAILING_NEWLINE',
      message:
        'the signed body ended with a newline that this body lacks: hash the request body exactly as received, byte for byte',
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return variants;
  }
  const spacings: [string | number, string][] = [
    [0, 'compact JSON, JSON.stringify(JSON.parse(body))'],
    [2, 'JSON indented with 2 spaces'],
    [4, 'JSON indented with 4 spaces'],
    ['\t', 'JSON indented with tabs'],
  ];
  for (const [space, description] of spacings) {
    const serialized = space === 0 ? JSON.stringify(parsed) : JSON.stringify(parsed, null, space);
    const finding: Finding = {
      code: 'BODY_RESERIALIZED',
      message: `the signature matches this body re-serialized as ${description}, not the bytes given: the sender signed different bytes than the ones hashed here. Verify the raw request body as received; never JSON.parse and re-stringify it, or copy it from a pretty-printed log`,
    };
    add(Buffer.from(serialized, 'utf8'), 2, finding);
    add(Buffer.from(`${serialized}\n`, 'utf8'), 2, finding);
  }
  return variants;
}

function describeWhitespace(secret: string): string {
  const leading = /^\s+/.exec(secret)?.[0] ?? '';
  const trailing = /\s+$/.exec(secret)?.[0] ?? '';
  const name = (ws: string): string =>
    ws.includes('\n') ? 'newline' : ws.includes('\r') ? 'carriage return' : ws.includes('\t') ? 'tab' : 'space';
  const parts = [
    leading === '' ? '' : `a leading ${name(leading)}`,
    trailing === '' ? '' : `a trailing ${name(trailing)}`,
  ];
  return parts.filter((part) => part !== '').join(' and ');
}

function noMatchFinding(secretCount: number, byteCount: number): Finding {
  const secretsText = secretCount === 1 ? 'the secret does not produce' : `none of the ${secretCount} secrets produces`;
  return {
    code: 'NO_MATCH',
    message: `no match: ${secretsText} this signature for these ${byteCount} bytes, even after trimming secrets, adding or removing a final newline and re-serializing the JSON. Check that the secret belongs to this webhook (each webhook has its own, shown once at creation) and that the body is the raw request body`,
  };
}
