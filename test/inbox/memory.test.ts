import { createMemoryInbox } from '@armalo-webhooks/core';
import { describeInboxContract } from './contract.js';

describeInboxContract('createMemoryInbox()', async () => {
  const inbox = createMemoryInbox();
  return { inbox, cleanup: () => inbox.close() };
});
