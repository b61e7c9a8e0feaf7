// RFC 9110 §8.3.1 / §5.6: type "/" subtype *( OWS ";" OWS [ token "=" ( token / quoted-string ) ] ).
const MEDIA_TYPE = /^[ \t]*([!#$%&'*+.^_`|~0-9A-Za-z-]+)\/([!#$%&'*+.^_`|~0-9A-Za-z-]+)[ \t]*/;
const PARAMETER =
  /;[ \t]*(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+=(?:[!#$%&'*+.^_`|~0-9A-Za-z-]+|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*"))?[ \t]*/y;

/**
 * The one `Content-Type` rule every adapter answers by: the value must be a well-formed media type
 * (RFC 9110 tokens and parameters) that is `application/json` or `application/*+json`, with any
 * parameters. A field sent more than once arrives joined with ", " from fetch hosts and as its
 * first value from Node (which drops repeats): the first value decides in both.
 *
 * @example
 * ```ts
 * isJsonContentType('application/json; charset=utf-8'); // true
 * isJsonContentType('application/vnd.armalo+json'); // true
 * isJsonContentType('application/a b+json'); // false: not a media type
 * isJsonContentType('application/json, text/plain'); // true: the first value decides
 * ```
 */
export function isJsonContentType(value: string): boolean {
  const match = MEDIA_TYPE.exec(value);
  if (match === null) return false;
  let offset = match[0].length;
  for (;;) {
    if (offset === value.length || value.charCodeAt(offset) === 0x2c /* , */) break;
    PARAMETER.lastIndex = offset;
    if (!PARAMETER.test(value)) return false;
    offset = PARAMETER.lastIndex;
  }
  const type = (match[1] as string).toLowerCase();
  const subtype = (match[2] as string).toLowerCase();
  return type === 'application' && (subtype === 'json' || subtype.endsWith('+json'));
}
