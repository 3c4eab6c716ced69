// outcome-engine stripe pay|fail|void --invoice ID, and stripe payments:
// the local engine's Stripe emulator, told what a customer did with an
// invoice (paid it, a payment failed, it was voided) or how a customer pays
// from now on. The emulator sends the webhooks Stripe would, so the engine's
// payment signals, and renewal risk's payment health, follow.
import { resolveDataDir, engineStatePath } from '../../lib/local/engine-state';
import { formatPaymentBehaviour, type PaymentBehaviour } from '../../lib/local/stripe-emulator';
import { CliError, printJson, type CliIo } from './cli-io';
import type { RegisterCommand } from './command-context';
import { readRunningEngineForCli } from './connection';
import { formatTable } from './format';

interface InvoiceView {
  readonly id: string;
  readonly status: string | null;
  readonly amount_due: number;
  readonly amount_paid: number;
  readonly attempt_count: number;
  readonly currency: string;
}


interface BehavioursView {
  readonly collecting: boolean;
  readonly defaultBehaviour: PaymentBehaviour;
  readonly customers: Record<string, PaymentBehaviour>;
}

async function emulatorUrl(io: CliIo, dataDirOption: string | undefined, explicit: string | undefined): Promise<string> {
  if (explicit) return explicit.replace(/\/$/, '');
  const dataDir = resolveDataDir(dataDirOption ?? io.env.OUTCOME_ENGINE_DATA_DIR);
  const stripe = (await readRunningEngineForCli(dataDir))?.stripe;
  if (stripe?.mode !== 'emulator' || stripe.port === undefined) {
    throw new CliError(
      `No Stripe emulator is running (no running local engine with its emulator in ${engineStatePath(dataDir)}). Start the engine with \`npm start\`, or give --url.`,
      'infrastructure',
    );
  }
  return `${stripe.protocol ?? 'http'}://${stripe.host ?? '127.0.0.1'}:${stripe.port}`;
}

async function call<T>(url: string, init?: RequestInit): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new CliError(`the Stripe emulator at ${url} could not be reached: ${error instanceof Error ? error.message : String(error)}`, 'infrastructure', { cause: error });
  }
  const body = (await response.json()) as T & { error?: { message?: string } | string };
  if (!response.ok) {
    const message = typeof body.error === 'string' ? body.error : (body.error?.message ?? `request failed (${response.status})`);
    throw new CliError(`the Stripe emulator refused: ${message}`, response.status === 404 ? 'not_found' : response.status === 400 ? 'invalid_input' : 'infrastructure');
  }
  return body;
}

const postJson = (body: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

function formatPaymentBehaviours(view: BehavioursView): string {
  const lines = [`collecting  ${view.collecting ? 'yes' : 'no (nobody pays unless told to)'}\n`, `default     ${formatPaymentBehaviour(view.defaultBehaviour)}\n`];
  const customers = Object.entries(view.customers);
  if (customers.length > 0) {
    lines.push(
      '\n',
      formatTable(
        [
          { header: 'CUSTOMER', value: ([customer]: [string, PaymentBehaviour]) => customer },
          { header: 'PAYS', value: ([, behaviour]) => formatPaymentBehaviour(behaviour) },
        ],
        customers,
      ),
    );
  }
  return lines.join('');
}

export const registerStripeCommand: RegisterCommand = (program, context) => {
  const stripe = program.command('stripe').description("The local engine's Stripe emulator: mark an invoice paid, failed or void; set how customers pay");
  const dataDir = () => program.opts<{ dataDir?: string }>().dataDir;
  const actions = [
    ['pay', 'pay', 'Mark an open invoice paid (the customer paid by transfer): invoice.paid'],
    ['fail', 'payment_failure', 'Record a failed payment on an open invoice: invoice.payment_failed'],
    ['void', 'void', 'Void an open invoice: invoice.voided'],
  ] as const;
  for (const [name, route, description] of actions) {
    stripe
      .command(name)
      .description(description)
      .requiredOption('--invoice <id>', 'the Stripe invoice id (in_…), e.g. from `invoice explain`')
      .option('--url <url>', "the emulator's URL (default: the running local engine's)")
      .option('--json', 'print JSON only')
      .action(async (options: { invoice: string; url?: string; json?: boolean }) => {
        const base = await emulatorUrl(context.io, dataDir(), options.url);
        const invoice = await call<InvoiceView>(`${base}/_emulator/invoices/${encodeURIComponent(options.invoice)}/${route}`, postJson({}));
        if (options.json) printJson(context.io, invoice);
        else context.io.out(`${invoice.id}  ${invoice.status ?? '-'}  paid ${invoice.amount_paid} of ${invoice.amount_due} ${invoice.currency} (minor units), attempts ${invoice.attempt_count}\n`);
      });
  }
  stripe
    .command('payments')
    .description('How the emulator\'s customers pay their invoices; with --customer and --behaviour, set it for one customer')
    .option('--customer <id>', "the engine's customer id (or a Stripe cus_… id)")
    .option('--behaviour <behaviour>', 'on-time (at the due date), late:<days>, fails, never, or default (the engine default again)')
    .option('--url <url>', "the emulator's URL (default: the running local engine's)")
    .option('--json', 'print JSON only')
    .action(async (options: { customer?: string; behaviour?: string; url?: string; json?: boolean }) => {
      if ((options.customer === undefined) !== (options.behaviour === undefined)) {
        throw new CliError('give --customer and --behaviour together (or neither, to list)', 'invalid_input');
      }
      const base = await emulatorUrl(context.io, dataDir(), options.url);
      const view =
        options.customer !== undefined
          ? await call<BehavioursView>(`${base}/_emulator/payment_behaviours`, postJson({ customer: options.customer, behaviour: options.behaviour === 'default' ? null : options.behaviour }))
          : await call<BehavioursView>(`${base}/_emulator/payment_behaviours`);
      if (options.json) printJson(context.io, view);
      else context.io.out(formatPaymentBehaviours(view));
    });
};
