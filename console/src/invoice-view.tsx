// One issued invoice taken apart: every line to its charge, the tiers that
// priced it and the ledger query behind its quantity, down to the outcomes
// themselves; then corrections and credit notes, and Stripe's status.
import { useState } from 'preact/hooks';
import { apiPath, type Api } from './api';
import { describeDisputeCounts, StatementSection } from './disputes';
import { money } from './format';
import { Status } from './status';
import type { ExplainedLine, InvoiceExplanation, LineOutcomes } from './types';
import { useLoad } from './use-load';

function describeTier(row: Record<string, unknown>): string {
  return Object.entries(row)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${key} ${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(', ');
}

function LineDetail({ api, base, invoiceId, line, currency }: { api: Api; base: string[]; invoiceId: string; line: ExplainedLine; currency: string }) {
  const [outcomes, setOutcomes] = useState<LineOutcomes | { error: string } | undefined>();
  const load = async () => {
    try {
      setOutcomes(await api.get<LineOutcomes>(apiPath(...base, invoiceId, 'lines', line.lineId, 'outcomes')));
    } catch (error) {
      setOutcomes({ error: error instanceof Error ? error.message : String(error) });
    }
  };
  return (
    <tr data-line-id={line.lineId}>
      <th scope="row">{line.description}</th>
      <td>{line.chargeId ?? '–'}</td>
      <td class="number">{line.quantity}</td>
      <td class="number">{money(line.amount, currency)}</td>
      <td>{describeDisputeCounts(line.disputes)}</td>
      <td>
        {line.tiers.length === 0 ? '–' : (
          <ul class="plain">
            {line.tiers.map((row, index) => (
              <li key={index}>{describeTier(row)}</li>
            ))}
          </ul>
        )}
      </td>
      <td>
        {line.ledgerQuery ? (
          <>
            <code>{line.ledgerQuery.rerun}</code>
            <div>
              <button type="button" onClick={load} aria-label={`Show outcomes for ${line.description}`}>
                Show outcomes
              </button>
            </div>
          </>
        ) : (
          'no usage'
        )}
        {outcomes && 'error' in outcomes && <p role="alert">{outcomes.error}</p>}
        {outcomes && 'outcomes' in outcomes && (
          <table class="outcomes" aria-label={`Outcomes behind ${line.description}`}>
            <thead>
              <tr>
                <th scope="col">Outcome</th>
                <th scope="col">Occurred</th>
                <th scope="col">Quantity</th>
              </tr>
            </thead>
            <tbody>
              {outcomes.outcomes.map((outcome) => (
                <tr key={outcome.outcomeId}>
                  <td>{outcome.outcomeId}</td>
                  <td>{outcome.occurredAt}</td>
                  <td class="number">{outcome.quantity}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <td colSpan={3}>{outcomes.outcomes.length} outcome(s)</td>
              </tr>
            </tfoot>
          </table>
        )}
      </td>
    </tr>
  );
}

/** `base`: the route the invoice is read through: ['invoices'] for staff, ['portal', 'invoices'] in the portal. */
export function InvoiceView({ api, invoiceId, base, canDispute = false }: { api: Api; invoiceId: string; base: string[]; canDispute?: boolean }) {
  const [invoice] = useLoad(() => api.get<InvoiceExplanation>(apiPath(...base, invoiceId)), [invoiceId]);
  return (
    <section aria-labelledby="invoice-heading">
      <h2 id="invoice-heading">Invoice {invoiceId}</h2>
      <Status loaded={invoice}>
        {(explained) => (
          <>
            <dl class="facts">
              <div>
                <dt>Contract</dt>
                <dd>{explained.contractId}</dd>
              </div>
              <div>
                <dt>Period</dt>
                <dd>{explained.periodId}</dd>
              </div>
              <div>
                <dt>Plan</dt>
                <dd>
                  {explained.plan.code} v{explained.plan.version}
                </dd>
              </div>
              <div>
                <dt>Total</dt>
                <dd>{money(explained.totals.total, explained.currency)}</dd>
              </div>
              <div>
                <dt>Stripe</dt>
                <dd>
                  {explained.stripe.invoiceId ?? 'not sent'} {explained.stripe.status ? `· ${explained.stripe.status}` : ''}
                  {explained.stripe.reconciled === null ? '' : explained.stripe.reconciled ? ' · reconciled' : ' · NOT reconciled'}
                </dd>
              </div>
              <div>
                <dt>Usage read as of</dt>
                <dd>{explained.cutoff}</dd>
              </div>
            </dl>
            <table class="lines">
              <caption>Lines, each traced to its charge, tiers and ledger query</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Charge</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Disputes</th>
                  <th scope="col">Tiers</th>
                  <th scope="col">Ledger query and outcomes</th>
                </tr>
              </thead>
              <tbody>
                {explained.lines.map((line) => (
                  <LineDetail key={line.lineId} api={api} base={base} invoiceId={invoiceId} line={line} currency={explained.currency} />
                ))}
              </tbody>
            </table>
            <h3>Corrections and credit notes</h3>
            {explained.followedBy.length === 0 ? (
              <p>None.</p>
            ) : (
              <ul>
                {explained.followedBy.map((correction) => (
                  <li key={correction.correctionId}>
                    Correction {correction.sequence}: {correction.adjustments.lines.length} adjustment line(s)
                    {correction.adjustments.billedOn ? ` billed on ${correction.adjustments.billedOn}` : ''}; {correction.creditNote.lines.length} credit note line(s)
                    {correction.creditNote.creditNoteId ? ` (credit note ${correction.creditNote.creditNoteId})` : ''}
                  </li>
                ))}
              </ul>
            )}
            <StatementSection api={api} base={base} invoiceId={invoiceId} canDispute={canDispute} />
          </>
        )}
      </Status>
    </section>
  );
}
