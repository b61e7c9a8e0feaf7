const asEscape = (char: string) => `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text from outside (an event name, a handler's error message) made safe to print on a terminal,
 * on one line: every control character (C0, DEL and C1, `\p{Cc}`) becomes a `\uXXXX` escape, so a
 * stored escape sequence cannot retitle, clear or rewrite the terminal.
 *
 * @example
 * ```ts
 * printable('score.changed\u001b]0;pwned\u0007'); // 'score.changed\\u001b]0;pwned\\u0007'
 * ```
 */
export function printable(text: string): string {
  return text.replace(/\p{Cc}/gu, asEscape);
}

/**
 * `JSON.stringify(value, null, indent)`, safe to print: `JSON.stringify` escapes C0 controls inside
 * strings but not DEL and C1 (`\u009b` starts a sequence on many terminals); those are escaped too.
 * The result is the same JSON.
 *
 * @example
 * ```ts
 * printableJson({ event: 'x\u009b2J' }); // '{"event":"x\\u009b2J"}'
 * ```
 */
export function printableJson(value: unknown, indent?: number): string {
  // Outside strings, JSON has no control characters but the newlines of its indentation.
  return JSON.stringify(value, null, indent).replace(/[^\P{Cc}\n]/gu, asEscape);
}
