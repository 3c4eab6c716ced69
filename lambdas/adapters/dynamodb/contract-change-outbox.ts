import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { z } from 'zod';
import type { ContractChangeOutbox, PendingContractChange } from '../../application/plans/ports';
import { ContractChangeSchema } from '../../domain/plans/contract-change';
import { DynamoTable } from './dynamo-table';
import { documentCodec } from './stored-document';
import { ENGINE_TABLE } from './table-design';

// One item per contract with a change not yet announced, in the engine
// table under its own partition (never read by the contract queries).
//
//   CONTRACT_CHANGE#<id> / PENDING    revision <N>, body: the change

const PK = ENGINE_TABLE.partitionKey;
const SK = ENGINE_TABLE.sortKey;
const outboxPk = (contractId: string) => `CONTRACT_CHANGE#${contractId}`;
const PENDING_SK = 'PENDING';

export const contractChangeCodec = documentCodec({ kind: 'contract change', schema: ContractChangeSchema });

const RevisionSchema = z.number().int().min(0);

export class DynamoDbContractChangeOutbox implements ContractChangeOutbox {
  private readonly table: DynamoTable;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.table = new DynamoTable(options);
  }

  async put(pending: PendingContractChange): Promise<void> {
    await this.table.put(
      {
        [PK]: outboxPk(pending.contractId),
        [SK]: PENDING_SK,
        type: 'ContractChangePending',
        revision: pending.revision,
        ...contractChangeCodec.encode(pending.change),
      },
      'contract change outbox',
    );
  }

  async get(contractId: string): Promise<PendingContractChange | undefined> {
    const item = await this.table.get({ pk: outboxPk(contractId), sk: PENDING_SK }, 'contract change outbox');
    if (!item) return undefined;
    const where = `contract change of ${contractId}`;
    return { contractId, revision: RevisionSchema.catch(0).parse(item['revision']), change: contractChangeCodec.decode(item, where) };
  }

  async remove(contractId: string, revision: number): Promise<void> {
    // A newer load may have recorded its own change meanwhile: a failed condition leaves that one.
    await this.table.delete({ pk: outboxPk(contractId), sk: PENDING_SK }, 'contract change outbox', {
      expression: '#revision = :revision',
      names: { '#revision': 'revision' },
      values: { ':revision': revision },
    });
  }
}
