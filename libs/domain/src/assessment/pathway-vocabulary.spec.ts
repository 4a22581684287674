import { PathwaySkipReason, PathwayStatus } from '@throughcare/contracts';
import { PATHWAY_SKIP_REASONS, PATHWAY_STATUSES } from './pathway-outcomes';

/**
 * The domain keeps its own lists (it imports only types from contracts, so that no zod reaches the
 * workflow bundle); the completion events carry them as the contracts' enums (`pathways`), so the
 * two must never drift apart (PATHWAY_ORDER against Pathway: pathway-rules.spec.ts).
 */
describe('pathway vocabulary: the domain and the contracts agree', () => {
  it('PATHWAY_STATUSES are the contracts’ PathwayStatus, in order', () => {
    expect([...PATHWAY_STATUSES]).toEqual(PathwayStatus.options);
  });

  it('PATHWAY_SKIP_REASONS are the contracts’ PathwaySkipReason, in order', () => {
    expect([...PATHWAY_SKIP_REASONS]).toEqual(PathwaySkipReason.options);
  });
});
