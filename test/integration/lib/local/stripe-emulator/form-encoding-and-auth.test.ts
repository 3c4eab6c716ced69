// Stripe's wire format through raw HTTP: bracketed form encoding, errors and
// API-key checks, the cases the SDK never produces on its own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningStripeEmulator } from '../../../../../lib/local/stripe-emulator';
import { raw, startTestEmulator } from '../../../../support/emulator-test-support';

let emulator: RunningStripeEmulator;

beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(async () => {
  await emulator.stop();
});

describe('form encoding', () => {
  it('decodes nested brackets, percent-encoded brackets and + as space', async () => {
    const created = await raw(emulator, 'POST', '/v1/customers', {
      form: 'name=Acme+Robotics&metadata[contract]=c-1&metadata%5Bperiod%5D=2025-01&address[city]=K%C3%B6ln&preferred_locales[0]=de&preferred_locales[1]=en',
    });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      object: 'customer',
      name: 'Acme Robotics',
      metadata: { contract: 'c-1', period: '2025-01' },
      address: { city: 'Köln', country: null },
      preferred_locales: ['de', 'en'],
    });
  });

  it('keeps numeric metadata keys as keys, not list positions', async () => {
    const created = await raw(emulator, 'POST', '/v1/customers', { form: 'metadata[42]=answer&metadata[7]=seven' });
    expect(created.body.metadata).toEqual({ 42: 'answer', 7: 'seven' });
  });

  it('reads indexed lists such as lines[0][amount] and expand[] lists', async () => {
    const customer = await raw(emulator, 'POST', '/v1/customers', { form: 'name=Lists' });
    const invoice = await raw(emulator, 'POST', '/v1/invoices', { form: `customer=${customer.body.id}&currency=usd` });
    const item = await raw(emulator, 'POST', '/v1/invoiceitems', {
      form: `customer=${customer.body.id}&invoice=${invoice.body.id}&amount=1250&currency=usd&expand[]=invoice&expand[]=customer`,
    });
    expect(item.status).toBe(200);
    expect(item.body.customer).toMatchObject({ id: customer.body.id, object: 'customer' });
    expect(item.body.invoice).toMatchObject({ id: invoice.body.id, object: 'invoice', total: 1250 });
    const finalized = await raw(emulator, 'POST', `/v1/invoices/${invoice.body.id}/finalize`, { form: '' });
    const lineId = finalized.body.lines.data[0].id as string;
    const creditNote = await raw(emulator, 'POST', '/v1/credit_notes', {
      form: `invoice=${invoice.body.id}&lines[0][type]=invoice_line_item&lines[0][invoice_line_item]=${lineId}&lines[0][amount]=250&lines[1][type]=custom_line_item&lines[1][description]=Goodwill&lines[1][unit_amount]=100&lines[1][quantity]=2`,
    });
    expect(creditNote.status).toBe(200);
    expect(creditNote.body.lines.data.map((line: { amount: number }) => line.amount)).toEqual([250, 200]);
    expect(creditNote.body.total).toBe(450);
  });

  it('takes GET parameters from the query string', async () => {
    const list = await raw(emulator, 'GET', '/v1/customers?limit=1&expand[]=data.customer');
    expect(list.status).toBe(400);
    expect(list.body.error.message).toBe('This property cannot be expanded (data.customer).');
    const page = await raw(emulator, 'GET', '/v1/customers?limit=1');
    expect(page.body).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
    expect(page.body.data).toHaveLength(1);
  });

  it('answers Stripe error shapes for unknown, missing, empty and malformed parameters', async () => {
    const unknown = await raw(emulator, 'POST', '/v1/customers', { form: 'nmae=typo' });
    expect(unknown.status).toBe(400);
    expect(unknown.body).toEqual({
      error: {
        type: 'invalid_request_error',
        code: 'parameter_unknown',
        param: 'nmae',
        message: 'Received unknown parameter: nmae',
        doc_url: 'https://stripe.com/docs/error-codes/parameter-unknown',
      },
    });
    const nestedUnknown = await raw(emulator, 'POST', '/v1/invoiceitems', { form: 'customer=cus_x&amount=1&currency=usd&period[begin]=1' });
    expect(nestedUnknown.body.error).toMatchObject({ code: 'parameter_unknown', param: 'period[begin]' });

    const missing = await raw(emulator, 'POST', '/v1/credit_notes', { form: 'amount=5' });
    expect(missing.body.error).toMatchObject({ code: 'parameter_missing', param: 'invoice', message: 'Missing required param: invoice.' });

    const empty = await raw(emulator, 'POST', '/v1/invoices', { form: 'customer=' });
    expect(empty.body.error).toMatchObject({ code: 'parameter_invalid_empty', param: 'customer' });

    const notInteger = await raw(emulator, 'POST', '/v1/invoiceitems', { form: 'customer=cus_x&amount=12.5&currency=usd' });
    expect(notInteger.body.error).toMatchObject({ code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer: 12.5' });

    const notEnum = await raw(emulator, 'POST', '/v1/invoices', { form: 'customer=cus_x&collection_method=invoice_me' });
    expect(notEnum.body.error).toMatchObject({
      param: 'collection_method',
      message: 'Invalid collection_method: must be one of charge_automatically or send_invoice',
    });

    const notHash = await raw(emulator, 'POST', '/v1/invoiceitems', { form: 'customer=cus_x&amount=1&currency=usd&period=yesterday' });
    expect(notHash.body.error).toMatchObject({ param: 'period', message: 'Invalid hash: yesterday' });

    const tooManyDecimals = await raw(emulator, 'POST', '/v1/invoiceitems', {
      form: 'customer=cus_x&unit_amount_decimal=0.1234567890123&currency=usd',
    });
    expect(tooManyDecimals.body.error.message).toBe('Invalid decimal: 0.1234567890123; must have at most 12 decimal places');
  });

  it('answers 404 with Stripe wording for unknown URLs and objects', async () => {
    const url = await raw(emulator, 'GET', '/v1/subscriptions');
    expect(url.status).toBe(404);
    expect(url.body.error.message).toMatch(/^Unrecognized request URL \(GET: \/v1\/subscriptions\)/);
    const object = await raw(emulator, 'GET', '/v1/invoices/in_missing');
    expect(object.status).toBe(404);
    expect(object.body.error).toMatchObject({ code: 'resource_missing', param: 'id', message: "No such invoice: 'in_missing'" });
  });
});

describe('API keys', () => {
  it('rejects a request without a key with 401', async () => {
    const response = await raw(emulator, 'GET', '/v1/customers', { auth: null });
    expect(response.status).toBe(401);
    expect(response.body.error.type).toBe('invalid_request_error');
    expect(response.body.error.message).toMatch(/^You did not provide an API key/);
  });

  it('rejects malformed and live-mode keys with 401', async () => {
    const malformed = await raw(emulator, 'GET', '/v1/customers', { auth: 'Bearer pk_test_123' });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error.message).toMatch(/^Invalid API Key provided/);
    const live = await raw(emulator, 'GET', '/v1/customers', { auth: 'Bearer sk_live_abcdefghijklmnop' });
    expect(live.status).toBe(401);
    expect(live.body.error.message).toMatch(/only accepts test mode keys/);
  });

  it('accepts the key as a Basic-auth user name, as curl -u sends it', async () => {
    const basic = Buffer.from('sk_test_curl:').toString('base64');
    const response = await raw(emulator, 'GET', '/v1/customers?limit=1', { auth: `Basic ${basic}` });
    expect(response.status).toBe(200);
  });

  it('answers with a Request-Id header on every response', async () => {
    const response = await raw(emulator, 'GET', '/v1/customers');
    expect(response.headers.get('request-id')).toMatch(/^req_/);
  });
});
