import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { FiredAlert, FiredAlertStore } from '../../application/plans/ports';
import { DynamoTable, type StoredItem } from './dynamo-table';

// Fired-threshold markers in the engine table:
//
//   AL#<contractId> / <periodId>#<thresholdId>    detailType, detail (the event), firedAt, published
//
// One partition per contract, a period's markers one sort-key range. The
// conditional put is what makes each alert fire once per contract, period
// and threshold; `published` turns true once the bus has accepted the event.

const what = 'fired alert';

function keyOf(alert: Pick<FiredAlert, 'contractId' | 'periodId' | 'thresholdId'>) {
  return { pk: `AL#${alert.contractId}`, sk: `${alert.periodId}#${alert.thresholdId}` };
}

function alertOf(item: StoredItem): FiredAlert {
  return {
    contractId: String(item['contractId']),
    periodId: String(item['periodId']),
    thresholdId: String(item['thresholdId']),
    detailType: String(item['detailType']),
    detail: item['detail'] as Record<string, unknown>,
    firedAt: String(item['firedAt']),
    published: item['published'] === true,
  };
}

export class DynamoDbFiredAlertStore implements FiredAlertStore {
  private readonly table: DynamoTable;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.table = new DynamoTable(options);
  }

  async claim(alert: FiredAlert): Promise<boolean> {
    const result = await this.table.putIfAbsent(
      { ...this.table.key(keyOf(alert)), type: 'FiredAlert', ...alert, detail: { ...alert.detail } },
      what,
    );
    return result.ok;
  }

  async listFired(contractId: string, periodId: string): Promise<FiredAlert[]> {
    const items = await this.table.query({ partition: `AL#${contractId}`, sortKeyPrefix: `${periodId}#` }, what);
    return items.map(alertOf).sort((a, b) => a.firedAt.localeCompare(b.firedAt) || a.thresholdId.localeCompare(b.thresholdId));
  }

  async listUnpublished(contractId: string, periodId: string): Promise<FiredAlert[]> {
    return (await this.listFired(contractId, periodId)).filter((alert) => !alert.published);
  }

  async markPublished(alert: Pick<FiredAlert, 'contractId' | 'periodId' | 'thresholdId'>): Promise<void> {
    await this.table.update(keyOf(alert), { published: true }, what);
  }
}
