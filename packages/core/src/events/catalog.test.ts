import { describe, expect, it } from 'vitest';
import { EVENT_CATALOG, EVENT_NAMES, isCatalogEventName, LEGACY_EVENT_NAMES } from './catalog.js';
import { unknownDataSchema } from './schemas.js';

// The table of "Available Events" in the provider docs, in order.
const DOCUMENTED = [
  'score.changed',
  'agent.score.changed',
  'score.tier_changed',
  'agent.reputation.updated',
  'pact.violated',
  'pact.anchored',
  'pact.cosigned',
  'eval.completed',
  'eval.failed',
  'escrow.funded',
  'escrow.released',
  'escrow.disputed',
  'escrow.expired',
  'agent.registered',
  'wallet.verified',
  'certification.changed',
  'context_pack.published',
  'context_pack.safety_passed',
  'context_pack.safety_failed',
  'swarm.created',
  'swarm.halted',
  'monitoring.alert',
];

describe('event catalog', () => {
  it('lists the 22 documented names in the order of the docs', () => {
    expect(EVENT_NAMES).toEqual(DOCUMENTED);
  });

  it('lists the legacy names, marked legacy', () => {
    expect([...LEGACY_EVENT_NAMES].sort()).toEqual(
      [
        'deal.accepted',
        'deal.completed',
        'pact.created',
        'pact.verified',
        'score.updated',
        'transaction.completed',
      ].sort(),
    );
    for (const name of LEGACY_EVENT_NAMES) expect(EVENT_CATALOG[name].legacy).toBe(true);
    for (const name of EVENT_NAMES) expect(EVENT_CATALOG[name].legacy).toBe(false);
  });

  it('carries the provider description of each documented event', () => {
    expect(EVENT_CATALOG['pact.violated'].description).toBe('A pact verification detects a violated condition.');
    expect(EVENT_CATALOG['escrow.released'].description).toBe('Escrowed funds are released to the beneficiary.');
    for (const name of EVENT_NAMES) expect(EVENT_CATALOG[name].description).toMatch(/^[A-Z].+\.$/);
  });

  it('only score.changed and eval.completed have a documented shape; every sample passes its own schema', () => {
    const rows = Object.entries(EVENT_CATALOG);
    const shaped = rows.filter(([, row]) => row.schema !== unknownDataSchema).map(([name]) => name);
    expect(shaped.sort()).toEqual(['eval.completed', 'score.changed']);
    for (const [name, row] of rows) expect(row.schema.safeParse(row.sample).success, name).toBe(true);
  });

  it('isCatalogEventName knows own names only', () => {
    expect(isCatalogEventName('score.changed')).toBe(true);
    expect(isCatalogEventName('deal.accepted')).toBe(true);
    expect(isCatalogEventName('toString')).toBe(false);
    expect(isCatalogEventName('__proto__')).toBe(false);
    expect(isCatalogEventName('score.changed ')).toBe(false);
  });
});
