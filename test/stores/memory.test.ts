import { createMemoryStore } from '@armalo-webhooks/core';
import { describeStoreContract } from './contract.js';

describeStoreContract('createMemoryStore', () => {
  let now = Date.parse('2026-03-16T10:00:00Z');
  const store = createMemoryStore({ now: () => now });
  return {
    store,
    retentionGranularityMs: 1_000,
    elapse: async (ms) => {
      now += ms;
    },
  };
});
