import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { CustomerCreation, PutResult } from '../../application/billing/ports';
import { DynamoTable, type StoredItem } from './dynamo-table';
import { InvoiceStoreConflictError, PK, SK } from './invoice-keys';

// The Stripe customer made for an engine customer, and the record of its creation:
//
//   CUSTOMER#<id> / STRIPE_CUSTOMER            stripeCustomerId, put once
//   CUSTOMER#<id> / STRIPE_CUSTOMER_CREATION   when creating it began, and the idempotency-key generation

const customerPk = (customerId: string) => `CUSTOMER#${customerId}`;
const LINK_SK = 'STRIPE_CUSTOMER';
const CREATION_SK = 'STRIPE_CUSTOMER_CREATION';

function creationOf(customerId: string, item: StoredItem): CustomerCreation {
  return { customerId, startedAt: String(item['startedAt']), generation: Number(item['generation']) };
}

export class DynamoDbStripeCustomerLinkStore {
  private readonly table: DynamoTable;

  constructor(options: { readonly client: DynamoDBClient; readonly tableName: string }) {
    this.table = new DynamoTable(options);
  }

  async getStripeCustomerId(customerId: string): Promise<string | undefined> {
    const item = await this.table.get({ pk: customerPk(customerId), sk: LINK_SK }, 'Stripe customer link');
    return item ? String(item['stripeCustomerId']) : undefined;
  }

  /** Links the Stripe customer once; a link made first by another run wins and is returned. */
  async putStripeCustomerId(customerId: string, stripeCustomerId: string): Promise<string> {
    const put = await this.table.putIfAbsent(
      { [PK]: customerPk(customerId), [SK]: LINK_SK, type: 'StripeCustomerLink', stripeCustomerId },
      'Stripe customer link',
    );
    return put.ok || !put.existing ? stripeCustomerId : String(put.existing['stripeCustomerId']);
  }

  async startCustomerCreation(customerId: string, startedAt: string): Promise<PutResult<CustomerCreation>> {
    const creation: CustomerCreation = { customerId, startedAt, generation: 1 };
    const put = await this.table.putIfAbsent(
      { [PK]: customerPk(customerId), [SK]: CREATION_SK, type: 'StripeCustomerCreation', startedAt, generation: 1 },
      'Stripe customer creation',
    );
    if (put.ok) return { created: true, value: creation };
    if (!put.existing) throw new InvoiceStoreConflictError(`Stripe customer creation of ${customerId} exists but could not be read`);
    return { created: false, value: creationOf(customerId, put.existing) };
  }

  async advanceCustomerCreation(customerId: string, fromGeneration: number): Promise<CustomerCreation> {
    const updated = await this.table.update(
      { pk: customerPk(customerId), sk: CREATION_SK },
      { generation: fromGeneration + 1 },
      'Stripe customer creation',
      { expression: 'generation = :from', values: { ':from': fromGeneration } },
    );
    if (updated.ok) return creationOf(customerId, updated.value);
    // Another run moved it on first: continue with the generation it chose.
    if (updated.existing) return creationOf(customerId, updated.existing);
    throw new InvoiceStoreConflictError(`no Stripe customer creation recorded for ${customerId}`);
  }
}
