// /v1/customers: create, retrieve, update, delete, list.
import { z } from 'zod';
import {
  formEnum,
  formExpand,
  formHash,
  formInteger,
  formList,
  formMetadata,
  formPattern,
  formRange,
  formString,
  inRange,
  paginationParams,
} from '../params';
import { defineRoute, type HandlerContext } from '../router';
import type { CustomerObject } from '../wire-types';
import { changedAttributes, deletedObject, findOr404, listRoute, mergeMetadata, retrieveRoute, snapshot } from './common';

const address = formHash({
  city: formString({ allowEmpty: true }).optional(),
  country: formString({ allowEmpty: true }).optional(),
  line1: formString({ allowEmpty: true }).optional(),
  line2: formString({ allowEmpty: true }).optional(),
  postal_code: formString({ allowEmpty: true }).optional(),
  state: formString({ allowEmpty: true }).optional(),
});

const customerFields = {
  address: address.optional(),
  balance: formInteger().optional(),
  description: formString({ allowEmpty: true, max: 350 }).optional(),
  email: formString({ allowEmpty: true, max: 512 }).optional(),
  invoice_prefix: formPattern(/^[A-Z0-9]{3,12}$/, 'must be 3 to 12 uppercase letters or digits').optional(),
  metadata: formMetadata().optional(),
  name: formString({ allowEmpty: true, max: 256 }).optional(),
  phone: formString({ allowEmpty: true, max: 20 }).optional(),
  preferred_locales: formList(formString(), { max: 20 }).optional(),
  tax_exempt: formEnum(['exempt', 'none', 'reverse']).optional(),
  expand: formExpand(),
};

const createSchema = z.strictObject(customerFields);
const updateSchema = z.strictObject(customerFields);
const listSchema = z.strictObject({
  ...paginationParams,
  email: formString({ max: 512 }).optional(),
  created: formRange().optional(),
});

type CustomerInput = z.output<typeof createSchema>;

function orNull(value: string | undefined): string | null {
  return value === undefined || value === '' ? null : value;
}

function toAddress(input: CustomerInput['address']): CustomerObject['address'] {
  if (!input) return null;
  return {
    city: orNull(input.city),
    country: orNull(input.country),
    line1: orNull(input.line1),
    line2: orNull(input.line2),
    postal_code: orNull(input.postal_code),
    state: orNull(input.state),
  };
}

function newCustomer(input: CustomerInput, ctx: HandlerContext): CustomerObject {
  const { state } = ctx;
  return {
    id: state.ids.next('cus'),
    object: 'customer',
    address: toAddress(input.address),
    balance: input.balance ?? 0,
    created: state.clock.unixNow(),
    currency: null,
    customer_account: null,
    default_source: null,
    delinquent: false,
    description: orNull(input.description),
    discount: null,
    email: orNull(input.email),
    invoice_prefix: input.invoice_prefix ?? state.ids.token(8, '0123456789ABCDEF'),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false,
    metadata: mergeMetadata({}, input.metadata),
    name: orNull(input.name),
    next_invoice_sequence: 1,
    phone: orNull(input.phone),
    preferred_locales: input.preferred_locales ?? [],
    shipping: null,
    tax_exempt: input.tax_exempt ?? 'none',
    test_clock: null,
  };
}

export const customerRoutes = [
  defineRoute({
    method: 'POST',
    path: '/v1/customers',
    schema: createSchema,
    handle(input, ctx) {
      const customer = ctx.state.customers.insert(newCustomer(input, ctx));
      ctx.emit('customer.created', customer);
      return { body: snapshot(customer) };
    },
  }),
  retrieveRoute({ path: '/v1/customers/:id', collection: 'customers', noun: 'customer' }),
  defineRoute({
    method: 'POST',
    path: '/v1/customers/:id',
    schema: updateSchema,
    handle(input, ctx, { id = '' }) {
      const customer = findOr404(ctx.state.customers, id, 'customer');
      const before = snapshot(customer);
      if (input.address !== undefined) customer.address = toAddress(input.address);
      if (input.balance !== undefined) customer.balance = input.balance;
      if (input.description !== undefined) customer.description = orNull(input.description);
      if (input.email !== undefined) customer.email = orNull(input.email);
      if (input.invoice_prefix !== undefined) customer.invoice_prefix = input.invoice_prefix;
      if (input.metadata !== undefined) customer.metadata = mergeMetadata(customer.metadata, input.metadata);
      if (input.name !== undefined) customer.name = orNull(input.name);
      if (input.phone !== undefined) customer.phone = orNull(input.phone);
      if (input.preferred_locales !== undefined) customer.preferred_locales = input.preferred_locales;
      if (input.tax_exempt !== undefined) customer.tax_exempt = input.tax_exempt;
      ctx.emit('customer.updated', customer, changedAttributes(before, customer));
      return { body: snapshot(customer) };
    },
  }),
  defineRoute({
    method: 'DELETE',
    path: '/v1/customers/:id',
    schema: z.strictObject({}),
    handle(_input, ctx, { id = '' }) {
      const customer = findOr404(ctx.state.customers, id, 'customer');
      ctx.state.customers.delete(id);
      ctx.emit('customer.deleted', customer);
      return deletedObject(id, 'customer');
    },
  }),
  listRoute({
    path: '/v1/customers',
    collection: 'customers',
    noun: 'customer',
    schema: listSchema,
    matches: (customer, input) => (input.email === undefined || customer.email === input.email) && inRange(customer.created, input.created),
  }),
];
