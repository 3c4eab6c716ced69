import { OUTBOUND_DETAIL_TYPES } from '../domain/events/detail-types';
import { buildRejectedOutcome, toOutcomeRejectedDetail, type RejectionDraft } from '../domain/ledger/rejection';
import type { RejectionCode } from '../domain/ledger/rejection-codes';
import type { EventPublisher, LedgerRepository } from './ports';

export interface RecordRejectionDeps {
  readonly ledger: LedgerRepository;
  readonly publisher: EventPublisher;
}

export interface RejectedResult {
  readonly status: 'rejected';
  readonly code: RejectionCode;
  readonly message: string;
  readonly rejectionId: string;
}

/**
 * Stores a rejection (once per rejectionId) and then announces it as
 * `Outcome Rejected`. Announcing happens on every attempt, also when the
 * rejection was stored before: a previous attempt may have stored it and
 * failed to publish, so consumers get it at least once (dedupe on rejectionId).
 */
export async function recordRejection(
  deps: RecordRejectionDeps,
  draft: RejectionDraft,
  input: { readonly body: string; readonly messageId: string; readonly rejectionId: string; readonly receivedAtMs: number },
): Promise<RejectedResult> {
  const rejected = buildRejectedOutcome(draft, input);
  await deps.ledger.putRejection(rejected);
  await deps.publisher.publish([
    { detailType: OUTBOUND_DETAIL_TYPES.outcomeRejected, detail: toOutcomeRejectedDetail(rejected) },
  ]);
  return { status: 'rejected', code: rejected.code, message: rejected.message, rejectionId: rejected.rejectionId };
}
