import { describe, expect, it } from 'vitest';
import { outcomeOf } from './outcome.js';

describe('outcomeOf', () => {
  it('reads an answer as an HTTP client gets it back: body flags on a 2xx, the status class otherwise', () => {
    const answers = [
      [200, { ok: true }],
      [204, undefined],
      [200, { ok: true, duplicate: true }],
      [200, { ok: true, queued: true }],
      [409, { error: 'Another attempt is processing this delivery', code: 'DELIVERY_IN_PROGRESS' }],
      [502, 'Bad Gateway'],
      [302, undefined],
    ] as const;
    expect(answers.map(([status, body]) => outcomeOf({ status, body }))).toEqual([
      'handled',
      'handled',
      'duplicate',
      'queued',
      'refused',
      'failed',
      'unknown',
    ]);
  });
});
