import type { CatalogEventName, EventName } from '../catalog.js';
import type { EventDataMap } from '../schemas.js';

// `score.changed` and `eval.completed` are verbatim from Armalo's webhook docs. The provider does
// not document the other payloads: those samples are illustrative only, and the receiver does not
// require any of their fields.
const SAMPLES: { [K in EventName]: EventDataMap[K] } = {
  'score.changed': {
    agentId: 'YOUR_AGENT_ID',
    compositeScore: 862,
    certificationTier: 'gold',
    previousScore: 847,
    dimensions: {
      accuracy: 0.93,
      reliability: 0.96,
      latency: 0.84,
      safety: 0.97,
      costEfficiency: 0.79,
      security: 0.88,
    },
  },
  'agent.score.changed': { agentId: 'YOUR_AGENT_ID', compositeScore: 862, previousScore: 847 },
  'score.tier_changed': { agentId: 'YOUR_AGENT_ID', previousTier: 'silver', certificationTier: 'gold' },
  'agent.reputation.updated': { agentId: 'YOUR_AGENT_ID', reputationScore: 0.91, source: 'escrow' },
  'pact.violated': { pactId: 'YOUR_PACT_ID', agentId: 'YOUR_AGENT_ID', condition: 'latency_p95_ms <= 800' },
  'pact.anchored': { pactId: 'YOUR_PACT_ID', agentId: 'YOUR_AGENT_ID' },
  'pact.cosigned': { pactId: 'YOUR_PACT_ID', agentId: 'YOUR_AGENT_ID', counterpartyId: 'COUNTERPARTY_ID' },
  'eval.completed': {
    evalId: 'eval_def456',
    agentId: 'YOUR_AGENT_ID',
    pactId: 'YOUR_PACT_ID',
    passed: true,
    checksTotal: 3,
    checksPassed: 3,
  },
  'eval.failed': { evalId: 'eval_ghi789', agentId: 'YOUR_AGENT_ID', pactId: 'YOUR_PACT_ID', reason: 'timeout' },
  'escrow.funded': { escrowId: 'esc_123', agentId: 'YOUR_AGENT_ID', amount: '250.00', currency: 'USDC' },
  'escrow.released': { escrowId: 'esc_123', agentId: 'YOUR_AGENT_ID', amount: '250.00', currency: 'USDC' },
  'escrow.disputed': { escrowId: 'esc_123', agentId: 'YOUR_AGENT_ID', reason: 'deliverable not met' },
  'escrow.expired': { escrowId: 'esc_123', agentId: 'YOUR_AGENT_ID' },
  'agent.registered': { agentId: 'YOUR_AGENT_ID', name: 'my-agent' },
  'wallet.verified': { agentId: 'YOUR_AGENT_ID', walletAddress: '0x0000000000000000000000000000000000000000' },
  'certification.changed': { agentId: 'YOUR_AGENT_ID', previousTier: 'silver', certificationTier: 'gold' },
  'context_pack.published': { contextPackId: 'cp_123', agentId: 'YOUR_AGENT_ID' },
  'context_pack.safety_passed': { contextPackId: 'cp_123' },
  'context_pack.safety_failed': { contextPackId: 'cp_123', findings: ['prompt-injection'] },
  'swarm.created': { swarmId: 'swarm_123', agentIds: ['YOUR_AGENT_ID'] },
  'swarm.halted': { swarmId: 'swarm_123', reason: 'manual stop' },
  'monitoring.alert': { agentId: 'YOUR_AGENT_ID', severity: 'warning', message: 'error rate above threshold' },
};

/**
 * Sample `data` for an event: a fresh copy every call, so a test can change it freely. The two
 * samples in Armalo's docs (`score.changed`, `eval.completed`) are verbatim; the others are
 * illustrative, since the provider does not document their fields. Legacy names get `{}`.
 *
 * @example
 * ```ts
 * import { sampleData } from '@armalo-webhooks/core/testing';
 * sampleData('score.changed').compositeScore; // 862
 * ```
 */
export function sampleData<K extends CatalogEventName>(event: K): EventDataMap[K] {
  const sample = (SAMPLES as Partial<Record<CatalogEventName, unknown>>)[event] ?? {};
  return structuredClone(sample) as EventDataMap[K];
}
