import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { InvoiceCorrection } from '../../domain/invoicing/corrections';
import type { CreditNoteFailure, PutResult, StoredCorrection } from '../../application/billing/ports';
import { DynamoTable, type ItemKey } from './dynamo-table';
import { CORRECTION_PREFIX, InvoiceStoreConflictError, PK, SK, contractPk, correctionPrefix, correctionSk, invoiceCorrectionCodec } from './invoice-keys';

// Invoice corrections: an immutable body put once, plus progress attributes
// (credited, creditNoteId, creditFailure, billedOn) updated under conditions;
// layout in invoice-keys.ts.

export class DynamoDbInvoiceCorrectionStore {
  private readonly table: DynamoTable;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.table = new DynamoTable(options);
  }

  async putCorrection(correction: InvoiceCorrection): Promise<PutResult<InvoiceCorrection>> {
    const put = await this.table.putIfAbsent(
      {
        [PK]: contractPk(correction.contractId),
        [SK]: correctionSk(correction.periodId, correction.sequence),
        type: 'InvoiceCorrection',
        correctionId: correction.correctionId,
        hasAdjustments: correction.adjustmentLines.length > 0,
        credited: false,
        ...invoiceCorrectionCodec.encode(correction),
      },
      'invoice correction',
    );
    // A concurrent run that numbered the same correction wins; the caller continues with the stored one.
    if (put.ok) return { created: true, value: correction };
    if (!put.existing) throw new InvoiceStoreConflictError(`correction ${correction.correctionId} exists but could not be read`);
    return { created: false, value: invoiceCorrectionCodec.decode(put.existing, `correction ${correction.correctionId}`) };
  }

  async listCorrections(contractId: string, periodId?: string): Promise<StoredCorrection[]> {
    const items = await this.table.query(
      { partition: contractPk(contractId), sortKeyPrefix: periodId ? correctionPrefix(periodId) : CORRECTION_PREFIX },
      'invoice corrections',
    );
    return items.map((item) => {
        const correction = invoiceCorrectionCodec.decode(item);
        return {
          correction,
          status: {
            correctionId: correction.correctionId,
            credited: Boolean(item['credited']),
            ...(item['creditNoteId'] ? { creditNoteId: String(item['creditNoteId']) } : {}),
            ...(item['creditFailure'] ? { creditFailure: item['creditFailure'] as CreditNoteFailure } : {}),
            ...(item['creditMatched'] !== undefined
              ? { creditReconciliation: { matched: Boolean(item['creditMatched']), stripeTotal: BigInt(String(item['creditStripeTotal'])) } }
              : {}),
            ...(item['billedOn'] ? { billedOn: String(item['billedOn']) } : {}),
          },
        };
      });
  }

  async markCorrectionCredited(
    contractId: string,
    periodId: string,
    correctionId: string,
    creditNoteId: string | null,
    reconciliation?: { readonly matched: boolean; readonly stripeTotal: bigint },
  ): Promise<void> {
    const key = await this.keyOf(contractId, periodId, correctionId);
    // The failure stays as history: issued later, the credit note supersedes it.
    const updated = await this.table.update(
      key,
      {
        credited: true,
        creditNoteId: creditNoteId || undefined,
        creditMatched: reconciliation?.matched,
        creditStripeTotal: reconciliation?.stripeTotal.toString(),
      },
      'invoice correction credited',
      { expression: 'attribute_exists(body)' },
    );
    if (!updated.ok) throw new InvoiceStoreConflictError(`correction ${correctionId} of ${contractId} ${periodId} is not stored`);
  }

  async recordCreditFailure(contractId: string, periodId: string, correctionId: string, failure: CreditNoteFailure): Promise<void> {
    const key = await this.keyOf(contractId, periodId, correctionId);
    // Never over a credit note already issued (a concurrent run may have issued it): a failed condition is fine.
    await this.table.update(key, { creditFailure: failure }, 'invoice correction failure', {
      expression: 'attribute_exists(body) AND credited = :false',
      values: { ':false': false },
    });
  }

  async claimAdjustment(contractId: string, periodId: string, correctionId: string, invoiceRecordId: string): Promise<boolean> {
    const key = await this.keyOf(contractId, periodId, correctionId);
    const claimed = await this.table.update(key, { billedOn: invoiceRecordId }, 'invoice correction claim', {
      expression: 'attribute_exists(body) AND (attribute_not_exists(billedOn) OR billedOn = :record)',
      values: { ':record': invoiceRecordId },
    });
    return claimed.ok;
  }

  private async keyOf(contractId: string, periodId: string, correctionId: string): Promise<ItemKey> {
    const found = (await this.listCorrections(contractId, periodId)).find((stored) => stored.correction.correctionId === correctionId);
    if (!found) throw new InvoiceStoreConflictError(`no correction ${correctionId} for ${contractId} ${periodId}`);
    return { pk: contractPk(contractId), sk: correctionSk(periodId, found.correction.sequence) };
  }
}
