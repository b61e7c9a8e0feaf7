import type { ObservedExchange } from '@armalo-webhooks/inspect';
import { ORIGIN_HEADER } from './delivery-log.js';

// Set by curl itself, or about the connection rather than the delivery; credentials stay out.
const LEFT_OUT = new Set([
  'host',
  'content-length',
  'connection',
  'keep-alive',
  'transfer-encoding',
  'expect',
  'authorization',
  'cookie',
  'proxy-authorization',
  ORIGIN_HEADER,
]);

/**
 * A shell command that sends a delivery again exactly as it arrived: its headers (the signature
 * included, in full) and its exact bytes, to `url`. A body of printable ASCII is passed as one
 * quoted argument; any other byte (non-ASCII UTF-8, a control character, a byte that is not UTF-8)
 * goes through `printf` as an octal escape, so what curl sends is byte for byte what was received.
 * Credentials (`authorization`, `cookie`) and connection headers are left out.
 *
 * @example
 * ```ts
 * curlCommand('http://127.0.0.1:3030/webhooks/armalo', entry.exchange);
 * // curl 'http://127.0.0.1:3030/webhooks/armalo' \
 * //   --header 'content-type: application/json' \
 * //   --header 'x-armalo-signature: 5d1c…' \
 * //   --data-binary '{"event":"score.changed",…}'
 * ```
 */
export function curlCommand(url: string, exchange: Pick<ObservedExchange, 'headers' | 'body'>): string {
  const bytes = Buffer.from(exchange.body ?? '', 'base64');
  const plain = bytes.every((byte) => byte >= 0x20 && byte < 0x7f);
  const lines = [`curl ${quote(url)}`];
  for (const [name, value] of Object.entries(exchange.headers)) {
    if (!LEFT_OUT.has(name)) lines.push(`  --header ${quote(`${name}: ${value}`)}`);
  }
  if (plain) return [...lines, `  --data-binary ${quote(bytes.toString('latin1'))}`].join(' \\\n');
  return [`printf ${quote(printfFormat(bytes))} |`, ...lines, '  --data-binary @-'].join(' \\\n');
}

/** One shell word: single quotes, each `'` written as `'\''`. */
function quote(text: string): string {
  return `'${text.replaceAll("'", "'\\''")}'`;
}

/** A printf format that prints exactly `bytes`: printable ASCII as itself, `%` and `\` doubled, the rest octal. */
function printfFormat(bytes: Uint8Array): string {
  let format = '';
  for (const byte of bytes) {
    const char = String.fromCharCode(byte);
    if (char === '%') format += '%%';
    else if (char === '\\') format += '\\\\';
    else if (byte >= 0x20 && byte < 0x7f) format += char;
    else format += `\\${byte.toString(8).padStart(3, '0')}`;
  }
  return format;
}
