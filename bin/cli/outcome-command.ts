// outcome-engine outcome <outcomeId>: one outcome by its key. Was it counted,
// when was it recorded, was it reversed, corrected, verified, is it billable?
import type { OutcomeView } from '../../lambdas/domain/ledger/outcome-view';
import type { OutcomeEvidence, VerifiedBy } from '../../lambdas/domain/ledger/outcome-events';
import type { BillableRule } from '../../lambdas/domain/ledger/catalog';
import { CliError, printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatFields } from './format';
import { parseInstant } from './time-range';

interface OutcomeOptions {
  asOf?: string;
  json?: boolean;
}

function describeRule(rule: BillableRule): string {
  switch (rule.when) {
    case 'immediately':
      return 'when recorded';
    case 'verified':
      return 'once verified';
    case 'quiet-window':
      return `${rule.hours} h after it occurred unless reversed`;
    default: {
      const unknown: never = rule;
      return JSON.stringify(unknown);
    }
  }
}

function describeEvidence(evidence: OutcomeEvidence): string {
  return `${evidence.reference}: ${evidence.summary}${evidence.sha256 ? ` (sha256 ${evidence.sha256})` : ''}`;
}

function describeVerifier(verifiedBy: VerifiedBy | undefined): string {
  if (verifiedBy === undefined) return '';
  const who = verifiedBy.id === undefined ? verifiedBy.kind : `${verifiedBy.kind} ${verifiedBy.id}`;
  return ` by ${who}${verifiedBy.method ? ` (${verifiedBy.method})` : ''}`;
}

const money = (value: { amount: string; currency: string } | undefined) => (value ? `${value.amount} ${value.currency}` : '-');

export function formatOutcome(view: OutcomeView): string {
  const fields: [string, string][] = [
    ['outcome', view.outcomeId],
    ['counted', view.status === 'counted' ? 'yes' : 'no (reversed)'],
    ['customer', `${view.customerId}${view.attributed ? '' : ' (unattributed: not in the catalog when recorded)'}`],
    ['metric', `${view.metric} (definition v${view.definitionVersion})`],
    ['quantity', view.quantity],
    ['value', money(view.value)],
    ['occurred at', view.occurredAt],
    ['recorded at', view.recordedAt],
    ['evidence', view.evidence ? describeEvidence(view.evidence) : '-'],
    ['verified', view.verification ? `yes, recorded ${view.verification.recordedAt}${describeVerifier(view.verification.verifiedBy)}` : 'no'],
    ['billable', `${view.billable ? 'yes' : 'no'} (rule: billable ${describeRule(view.billableRule)}${view.billableFrom ? `; from ${view.billableFrom}` : ''})`],
    ['reversed', view.reversal ? `yes, recorded ${view.reversal.recordedAt}: ${view.reversal.reason}` : 'no'],
  ];
  if (view.corrections.length === 0) fields.push(['corrected', 'no']);
  view.corrections.forEach((correction, index) => {
    const changes = [
      correction.quantity !== undefined ? `quantity ${correction.quantity}` : undefined,
      correction.value !== undefined ? `value ${money(correction.value)}` : undefined,
    ].filter(Boolean);
    fields.push([index === 0 ? 'corrected' : '', `${correction.recordedAt} ${correction.correctionId}: ${changes.join(', ')} (${correction.reason})`]);
  });
  if (view.corrections.length > 0) fields.push(['as sent', `quantity ${view.original.quantity}, value ${money(view.original.value)}`]);
  for (const [name, attributeValue] of Object.entries(view.attributes ?? {})) fields.push([`attribute ${name}`, String(attributeValue)]);
  fields.push(['as of', view.asOf]);
  return formatFields(fields);
}

export const registerOutcomeCommand: RegisterCommand = (program, context) => {
  program
    .command('outcome')
    .description('Look one outcome up by its key: counted? recorded when? reversed, corrected, verified, billable?')
    .argument('<outcomeId>', "the producer's outcome key")
    .option('--as-of <instant>', 'as the ledger knew it at this instant (default: now)')
    .option('--json', 'print JSON only')
    .action(async (outcomeId: string, options: OutcomeOptions) => {
      const asOf = options.asOf !== undefined ? parseInstant(options.asOf, '--as-of') : undefined;
      const view = await context.withLedger((ledger) => ledger.getOutcome(outcomeId, asOf ? { asOf } : {}));
      if (!view) {
        throw new CliError(
          `No outcome "${outcomeId}" in the ledger${asOf ? ` as of ${asOf.toISOString()}` : ''}. ` +
            'If it was sent, see whether it was rejected: outcome-engine rejected',
          'not_found',
        );
      }
      if (options.json) printJson(context.io, view);
      else context.io.out(formatOutcome(view));
    });
};
