// Everything the emulator remembers: one in-memory table per resource plus
// the bookkeeping Stripe keeps behind its objects. `reset()` empties it.
import type { EmulatorClock } from './clock';
import { Collection } from './collection';
import { ON_TIME, type PaymentBehaviour } from './payment-behaviour';
import type { IdGenerator } from './ids';
import type {
  CreditNoteObject,
  CustomerObject,
  EventObject,
  InvoiceItemObject,
  InvoiceObject,
} from './wire-types';

export interface EmulatorState {
  readonly clock: EmulatorClock;
  readonly ids: IdGenerator;
  readonly customers: Collection<CustomerObject>;
  readonly invoiceItems: Collection<InvoiceItemObject>;
  readonly invoices: Collection<InvoiceObject>;
  readonly creditNotes: Collection<CreditNoteObject>;
  readonly events: Collection<EventObject>;
  /** Ids of the invoice items attached to each invoice, in the order they were added. */
  readonly itemIdsByInvoice: Map<string, string[]>;
  /** The invoice line (`il_…`) each attached invoice item appears as. */
  readonly lineIdByItem: Map<string, string>;
  /** Amount already credited per invoice line by non-void credit notes. */
  readonly creditedByLine: Map<string, number>;
  /** `days_until_due` of send_invoice drafts, turned into `due_date` at finalization. */
  readonly daysUntilDue: Map<string, number>;
  /** Base URL clients reach the emulator on (for hosted invoice links). */
  baseUrl: string;
  /** How customers pay, by Stripe customer id or the engine's `metadata.customerId` (payment-collection.ts). */
  readonly paymentBehaviours: Map<string, PaymentBehaviour>;
  /** Whether open invoices are collected when asked, and how customers without a setting pay. */
  readonly paymentCollection: { enabled: boolean; defaultBehaviour: PaymentBehaviour };
}

export function createState(clock: EmulatorClock, ids: IdGenerator): EmulatorState {
  return {
    clock,
    ids,
    customers: new Collection(),
    invoiceItems: new Collection(),
    invoices: new Collection(),
    creditNotes: new Collection(),
    events: new Collection(),
    itemIdsByInvoice: new Map(),
    lineIdByItem: new Map(),
    creditedByLine: new Map(),
    daysUntilDue: new Map(),
    baseUrl: '',
    paymentBehaviours: new Map(),
    paymentCollection: { enabled: false, defaultBehaviour: ON_TIME },
  };
}

export function clearState(state: EmulatorState): void {
  state.customers.clear();
  state.invoiceItems.clear();
  state.invoices.clear();
  state.creditNotes.clear();
  state.events.clear();
  state.itemIdsByInvoice.clear();
  state.lineIdByItem.clear();
  state.creditedByLine.clear();
  state.daysUntilDue.clear();
  state.paymentBehaviours.clear();
}
