import { describe, expect, it } from 'vitest';
import { parseEnvelope } from './envelope.js';
import { envelopeSchema } from './schemas.js';

// parseEnvelope takes a shortcut for ordinary envelopes; it must answer exactly as zod does.
// Inputs are built from JSON text, as the receiver gets them (own "__proto__" keys, 1e999 → Infinity).

/** Own keys in order, prototypes and values, all the way down. */
function sameShape(a: unknown, b: unknown): boolean {
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return Object.is(a, b);
  if (Array.isArray(a) !== Array.isArray(b) || Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  const keysA = Reflect.ownKeys(a);
  const keysB = Reflect.ownKeys(b);
  if (keysA.length !== keysB.length || keysA.some((key, i) => key !== keysB[i])) return false;
  return keysA.every((key) =>
    sameShape((a as Record<PropertyKey, unknown>)[key], (b as Record<PropertyKey, unknown>)[key]),
  );
}

const EVENTS = ['"score.changed"', '""', '5', 'null', '"x"'];
const TIMESTAMPS = [
  '"2026-03-16T10:05:00.000Z"',
  '"2026-03-16T10:05:00+02:00"',
  '"2026-02-30T10:05:00Z"',
  '"2026-03-16"',
  '"nope"',
  '7',
];
const DATA = ['{}', '{"a":1,"b":{"c":[1,2]}}', '{"__proto__":{"x":1}}', '{"2":1,"1":2}', '[]', 'null', '"x"', '1e999'];
const EXTRAS = ['', ',"id":"evt_1"', ',"__proto__":1', ',"constructor":{}', ',"1":true'];

function* envelopes(): Generator<string> {
  for (const event of EVENTS)
    for (const timestamp of TIMESTAMPS)
      for (const data of DATA)
        for (const extra of EXTRAS) {
          yield `{"event":${event},"timestamp":${timestamp},"data":${data}${extra}}`;
          yield `{"data":${data}${extra},"timestamp":${timestamp},"event":${event}}`;
        }
  yield '{"event":"score.changed","timestamp":"2026-03-16T10:05:00Z"}';
  yield '[]';
  yield 'null';
  yield '"envelope"';
}

describe('parseEnvelope', () => {
  it('gives what envelopeSchema.safeParse gives, for every input', () => {
    let accepted = 0;
    for (const text of envelopes()) {
      const ours = parseEnvelope(JSON.parse(text));
      const zods = envelopeSchema.safeParse(JSON.parse(text));
      expect(ours.success, text).toBe(zods.success);
      if (ours.success && zods.success) {
        accepted++;
        expect(sameShape(ours.data, zods.data), text).toBe(true);
      } else {
        expect(ours.error?.issues, text).toEqual(zods.error?.issues);
      }
    }
    // The corpus exercises both paths, not only rejections.
    expect(accepted).toBeGreaterThan(50);
  });

  it('keeps extra fields, in zod order', () => {
    const parsed = parseEnvelope(
      JSON.parse('{"id":"evt_1","data":{"b":1},"timestamp":"2026-03-16T10:05:00Z","event":"e"}'),
    );
    expect(parsed.success).toBe(true);
    expect(Object.keys(parsed.data ?? {})).toEqual(['event', 'timestamp', 'data', 'id']);
  });
});
