import { createHmac, timingSafeEqual } from 'node:crypto';
import { sign } from '@armalo-webhooks/core/testing';
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
 * `ok` means a receiver configured with `matched` accepts the header exactly as given.
 * Otherwise `findings` explains why not, and `matched` names the secret that works once the
 * findings are fixed, if one does.
 *
 * @example
 * ```ts
 * const diagnosis: Diagnosis = { ok: true, matched: { index: 1, label: '--secret #2', of: 2 }, findings: [] };
 * ```
 */
export interface Diagnosis {
  ok: boolean;
  matched?: { index: number; label: string; of: number };
  findings: Finding[];
}

const HEX_64 = /^[0-9a-f]{64}$/i;
const HEX = /^[0-9a-f]+$/i;
const BASE64_32_BYTES = /^[A-Za-z0-9+/]{43}=$|^[A-Za-z0-9_-]{43}$/;
const PREFIX = /^([A-Za-z][A-Za-z0-9_.-]*)\s*[=:]\s*(\S.*)$/;

interface Variant<T> {
  value: T;
  cost: number;
  finding?: Finding;
}

/**
 * Explains why a signature does or does not verify: the checks a receiver makes, then the
 * usual mistakes, each tried in turn: a `sha256=` prefix, base64 instead of hex, a truncated
 * copy, another hash, a secret with surrounding whitespace, a trailing newline, and a body
 * re-serialized with other spacing (the sender signed other bytes than the ones hashed here).
 * Secrets are never part of a message; they are named by their label.
 *
 * @example
 * ```ts
 * import { diagnoseSignature } from 'armalo-webhooks';
 * const diagnosis = diagnoseSignature(body, 'sha256=3f…', [{ value: secret, label: '--secret #1' }]);
 * diagnosis.findings[0]?.code; // 'SIGNATURE_PREFIX'
 * ```
 */
export function diagnoseSignature(
  body: Uint8Array | string,
  signatureHeader: string,
  secrets: readonly SecretSource[],
): Diagnosis {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : Buffer.from(body);
  const findings: Finding[] = [];
  if (bytes.length === 0) {
    findings.push({
      code: 'EMPTY_BODY',
      message: 'the body is empty: pass the raw request body with --file <path> or on stdin',
    });
  }
  const header = signatureHeader.trim();
  if (header === '') {
    findings.push({
      code: 'SIGNATURE_EMPTY',
      message: 'the signature is empty: pass the X-Armalo-Signature header value',
    });
    return { ok: false, findings };
  }

  const secretVariants = secretVariantsOf(secrets);
  const bodyVariants = bodyVariantsOf(bytes);
  const signature = interpretSignature(header);
  findings.push(...signature.findings);

  if (signature.hex === undefined) {
    const fallback = diagnoseUnusableSignature(signature.raw, secretVariants, bodyVariants);
    if (fallback === undefined) return { ok: false, findings };
    // A recognised signature replaces the generic length complaint with the specific one.
    const specific = findings.filter((finding) => finding.code !== 'SIGNATURE_WRONG_LENGTH');
    return { ok: false, matched: fallback.matched, findings: [...specific, ...fallback.findings] };
  }

  const best = bestMatch(signature.hex, secretVariants, bodyVariants);
  if (best === undefined) {
    findings.push(noMatchFinding(secrets.length, bytes.length));
    return { ok: false, findings };
  }
  for (const finding of [best.secret.finding, best.body.finding]) if (finding !== undefined) findings.push(finding);
  const matched = { index: best.secret.value.index, label: best.secret.value.label, of: secrets.length };
  return { ok: findings.length === 0, matched, findings };
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
  if (HEX_64.test(value)) return { raw: value, hex: value.toLowerCase(), findings };
  if (BASE64_32_BYTES.test(value)) {
    findings.push({
      code: 'SIGNATURE_BASE64',
      message:
        'the signature is base64, not hex: Armalo sends lower-case hex (64 characters); encode the digest with .digest("hex")',
    });
    return { raw: value, hex: Buffer.from(value, 'base64').toString('hex'), findings };
  }
  if (!HEX.test(value)) {
    const index = [...value].findIndex((char) => !/[0-9a-f]/i.test(char));
    const char = [...value][index] ?? '';
    findings.push({
      code: 'SIGNATURE_NOT_HEX',
      message: `the signature is not hexadecimal: character ${index + 1} is ${JSON.stringify(char)}; X-Armalo-Signature holds 64 hex digits`,
    });
    return { raw: value, findings };
  }
  findings.push({
    code: 'SIGNATURE_WRONG_LENGTH',
    message: `the signature has ${value.length} hex digits; an HMAC-SHA256 signature has 64${value.length === 40 ? ' (40 is SHA-1)' : value.length === 128 ? ' (128 is SHA-512)' : ''}`,
  });
  return { raw: value.toLowerCase(), findings };
}

interface Candidate {
  secret: Variant<{ value: string; index: number; label: string }>;
  body: Variant<Buffer>;
}

function bestMatch(
  hex: string,
  secrets: readonly Variant<{ value: string; index: number; label: string }>[],
  bodies: readonly Variant<Buffer>[],
): Candidate | undefined {
  const expected = Buffer.from(hex, 'hex');
  let best: Candidate | undefined;
  for (const body of bodies) {
    for (const secret of secrets) {
      const cost = secret.cost + body.cost;
      if (best !== undefined && cost >= best.secret.cost + best.body.cost) continue;
      const actual = Buffer.from(sign(body.value, secret.value.value), 'hex');
      if (timingSafeEqual(actual, expected)) best = { secret, body };
    }
  }
  return best;
}

// A signature that cannot be compared as it is may still be recognisable: a truncated copy of
// the right digest, extra characters around it, or the digest of another hash function.
function diagnoseUnusableSignature(
  raw: string,
  secrets: readonly Variant<{ value: string; index: number; label: string }>[],
  bodies: readonly Variant<Buffer>[],
): { matched: NonNullable<Diagnosis['matched']>; findings: Finding[] } | undefined {
  const lower = raw.toLowerCase();
  const of = secrets.filter((variant) => variant.cost === 0).length;
  for (const body of bodies) {
    for (const secret of secrets) {
      const matched = { index: secret.value.index, label: secret.value.label, of };
      const extra = [secret.finding, body.finding].filter((finding): finding is Finding => finding !== undefined);
      const digest = sign(body.value, secret.value.value);
      if (lower.length >= 8 && lower.length < 64 && digest.startsWith(lower)) {
        const finding: Finding = {
          code: 'SIGNATURE_TRUNCATED',
          message: `the signature is the first ${lower.length} of the 64 hex digits of the right one: it was cut short when copied`,
        };
        return { matched, findings: [finding, ...extra] };
      }
      if (lower.length > 64 && lower.includes(digest)) {
        const finding: Finding = {
          code: 'SIGNATURE_WRONG_LENGTH',
          message: 'the right 64-digit signature is in there, with extra characters around it: send only the digest',
        };
        return { matched, findings: [finding, ...extra] };
      }
      for (const algorithm of ['sha1', 'sha512'] as const) {
        if (createHmac(algorithm, secret.value.value).update(body.value).digest('hex') === lower) {
          const finding: Finding = {
            code: 'WRONG_ALGORITHM',
            message: `the signature is an HMAC-${algorithm.toUpperCase()} of the body; Armalo signs with HMAC-SHA256`,
          };
          return { matched, findings: [finding, ...extra] };
        }
      }
    }
  }
  return undefined;
}

function secretVariantsOf(
  secrets: readonly SecretSource[],
): Variant<{ value: string; index: number; label: string }>[] {
  const variants: Variant<{ value: string; index: number; label: string }>[] = secrets.map((secret, index) => ({
    value: { value: secret.value, index, label: secret.label },
    cost: 0,
  }));
  secrets.forEach((secret, index) => {
    const trimmed = secret.value.trim();
    if (!hasSurroundingWhitespace(secret.value) || trimmed === '') return;
    variants.push({
      value: { value: trimmed, index, label: secret.label },
      cost: 1,
      finding: {
        code: 'SECRET_WHITESPACE',
        message: `secret ${secret.label} has ${describeWhitespace(secret.value)}: the signature matches once it is trimmed. Trim the secret where it is loaded (an .env file or a copy-paste added it)`,
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
