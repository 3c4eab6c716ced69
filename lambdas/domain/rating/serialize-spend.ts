import type { CurrencyCode } from '../money/currencies';
import { serializeAmount, serializeDraftInvoice } from './draft-invoice';
import type { SpendToDate } from './spend-to-date';

// Spend to date as JSON: what `outcome-engine spend --json` prints and the
// console's live-spend view answers, so both show the same figures.

/** Spend to date, JSON-safe: the preview draft as `invoice preview --json` prints it, plus burn, credits and forecast. */
export function serializeSpend(spend: SpendToDate) {
  const currency: CurrencyCode = spend.draft.currency;
  const amount = (minor: bigint) => serializeAmount(minor, currency);
  return {
    contractId: spend.draft.contractId,
    customerId: spend.draft.customerId,
    currency,
    period: spend.draft.period,
    usageAsOf: spend.draft.usageAsOf,
    usage: spend.usage,
    ratedToDate: { subtotal: amount(spend.draft.subtotal), total: amount(spend.draft.total) },
    commitment: spend.commitment
      ? {
          trueUp: spend.commitment.trueUp,
          committed: amount(spend.commitment.committed),
          burned: amount(spend.commitment.burned),
          remaining: amount(spend.commitment.remaining),
          burnedPercent: spend.commitment.burnedPercent,
        }
      : null,
    creditsLeft: spend.creditsLeft === null ? null : amount(spend.creditsLeft),
    forecast: {
      rule: spend.forecast.rule,
      elapsedPercent: spend.forecast.elapsedPercent,
      subtotal: amount(spend.forecast.subtotal),
      total: amount(spend.forecast.total),
    },
    preview: serializeDraftInvoice(spend.draft),
  };
}
export type SerializedSpend = ReturnType<typeof serializeSpend>;
