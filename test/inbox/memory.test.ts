import { createMemoryInbox } from '@armalo-webhooks/core';
import { describeInboxContract } from './contract.js';

describeInboxContract(
  'createMemoryInbox()',
  async (options = {}) => {
    const inbox = createMemoryInbox(options);
    return { inbox, cleanup: () => inbox.close() };
  },
  { ordering: true },
);
