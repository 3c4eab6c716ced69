// A contract's open period: spend to date against the forecast, the
// commitment and the spend cap as a chart with its table, the rated lines
// (the same as `invoice preview`), alert and cap levels with when each fired,
// and the period's threshold invoices. Finance sees every level; the portal
// gets only what fired for the customer (the API leaves the rest out).
import { useEffect, useRef } from 'preact/hooks';
import type { Api } from './api';
import { apiPath } from './api';
import { Chart, plotted } from './chart';
import { groupDigits, money } from './format';
import { Status } from './status';
import type { LiveSpend } from './types';
import { useLoad } from './use-load';

type OpenSpend = Extract<LiveSpend, { open: true }>;

/** The amounts the chart compares: each with its exact decimal for the table. */
export function spendBars(view: OpenSpend): { label: string; decimal: string }[] {
  const bars = [
    { label: 'rated to date', decimal: view.spend.ratedToDate.subtotal.decimal },
    { label: 'forecast at period end', decimal: view.spend.forecast.subtotal.decimal },
  ];
  if (view.spend.commitment) bars.push({ label: 'commitment', decimal: view.spend.commitment.committed.decimal });
  const spendCap = view.caps.find((cap) => cap.kind === 'spend');
  if (spendCap) bars.push({ label: 'spend cap', decimal: spendCap.cap });
  return bars;
}

function SpendChart({ view, title }: { view: OpenSpend; title: string }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const bars = spendBars(view);
  useEffect(() => {
    if (!canvas.current || typeof canvas.current.getContext !== 'function' || !canvas.current.getContext('2d')) return undefined;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: bars.map((bar) => bar.label),
        datasets: [{ label: view.spend.currency, data: bars.map((bar) => plotted(bar.decimal)), backgroundColor: ['#1f5fa8', '#8a4b08', '#2e6b30', '#9b0000'] }],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false, indexAxis: 'y', plugins: { legend: { display: false } } },
    });
    return () => chart.destroy();
  }, [view]);
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div class="chart-canvas short">
        <canvas ref={canvas} role="img" aria-label={`${title}: ${bars.map((bar) => `${bar.label} ${bar.decimal} ${view.spend.currency}`).join(', ')}.`} />
      </div>
      <table>
        <caption class="visually-hidden">{title}</caption>
        <tbody>
          {bars.map((bar) => (
            <tr key={bar.label}>
              <th scope="row">{bar.label}</th>
              <td class="number" data-figure={bar.label}>
                {groupDigits(bar.decimal)} {view.spend.currency}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function SpendFacts({ view }: { view: OpenSpend }) {
  const { spend } = view;
  const commitment = spend.commitment;
  // Whole percent for the meter: exact integer arithmetic on minor units.
  const percent = commitment && BigInt(commitment.committed.minor) > 0n ? Number((BigInt(commitment.burned.minor) * 100n) / BigInt(commitment.committed.minor)) : undefined;
  return (
    <>
      <dl class="facts">
        <div>
          <dt>Period</dt>
          <dd>
            {spend.period.startDate} – {spend.period.endDate} ({spend.forecast.elapsedPercent}% elapsed)
          </dd>
        </div>
        <div>
          <dt>Rated to date</dt>
          <dd data-figure="subtotal">{money(spend.ratedToDate.subtotal, spend.currency)}</dd>
        </div>
        <div>
          <dt>Invoice total now</dt>
          <dd data-figure="total">{money(spend.ratedToDate.total, spend.currency)}</dd>
        </div>
        <div>
          <dt>Forecast total</dt>
          <dd data-figure="forecast">{money(spend.forecast.total, spend.currency)}</dd>
        </div>
        <div>
          <dt>Prepaid credits left</dt>
          <dd>{spend.creditsLeft ? money(spend.creditsLeft, spend.currency) : '–'}</dd>
        </div>
        {spend.usage.map((row) => (
          <div key={row.chargeId}>
            <dt>{row.metric} used</dt>
            <dd data-figure={`usage:${row.metric}`}>{row.quantity}</dd>
          </div>
        ))}
        <div class="wide">
          <dt>Forecast rule</dt>
          <dd class="muted">{spend.forecast.rule}</dd>
        </div>
      </dl>
      {commitment && (
        <div class="spend">
          <label for={`burn-${view.contractId}`}>
            Commitment burn ({commitment.trueUp === 'term_end' ? 'term' : 'this period'}): {money(commitment.burned, spend.currency)} of {money(commitment.committed, spend.currency)} (
            {commitment.burnedPercent ?? '–'}%), {money(commitment.remaining, spend.currency)} to go
          </label>
          <meter id={`burn-${view.contractId}`} min={0} max={100} value={Math.min(percent ?? 0, 100)}>
            {commitment.burnedPercent ?? '–'}%
          </meter>
        </div>
      )}
    </>
  );
}

function RatedLines({ view }: { view: OpenSpend }) {
  const lines = [...view.spend.preview.lines, ...(view.spend.preview.commitmentTrueUp ? [view.spend.preview.commitmentTrueUp] : [])];
  return (
    <table>
      <caption>Rated lines to date (as `invoice preview`)</caption>
      <thead>
        <tr>
          <th scope="col">Charge</th>
          <th scope="col">Quantity</th>
          <th scope="col">Amount</th>
          <th scope="col">Due after credits</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.chargeId}>
            <th scope="row">{line.description}</th>
            <td class="number">{line.quantity}</td>
            <td class="number">{money(line.amount, view.spend.currency)}</td>
            <td class="number">{money(line.amountDue, view.spend.currency)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Caps({ view }: { view: OpenSpend }) {
  if (view.caps.length === 0) return <p>No caps on this contract.</p>;
  return (
    <table>
      <caption>Caps (as `caps check` answers now)</caption>
      <thead>
        <tr>
          <th scope="col">Cap</th>
          <th scope="col">Used to date</th>
          <th scope="col">Left</th>
          <th scope="col">More allowed?</th>
        </tr>
      </thead>
      <tbody>
        {view.caps.map((cap) => (
          <tr key={cap.thresholdId}>
            <th scope="row">{cap.kind === 'metric' ? `${cap.metric}: ${cap.cap}` : `spend: ${cap.cap} ${cap.currency ?? ''}`}</th>
            <td class="number">{cap.usedToDate}</td>
            <td class="number">{cap.remaining}</td>
            <td>{cap.allowsMore ? 'yes' : `no: ${cap.reason ?? 'the cap is reached'}`}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Alerts({ view, firedOnly }: { view: OpenSpend; firedOnly: boolean }) {
  if (view.alerts.length === 0) return <p>{firedOnly ? 'No alert has fired this period.' : 'No alert or cap levels are set for this contract.'}</p>;
  return (
    <table>
      <caption>{firedOnly ? 'Alerts that fired this period' : 'Alert and cap levels this period'}</caption>
      <thead>
        <tr>
          <th scope="col">Level</th>
          {!firedOnly && <th scope="col">Reached now</th>}
          <th scope="col">Fired</th>
        </tr>
      </thead>
      <tbody>
        {view.alerts.map((level) => (
          <tr key={level.thresholdId}>
            <th scope="row">
              {level.description} <code>{level.thresholdId}</code>
            </th>
            {!firedOnly && <td>{level.reachedNow ? 'yes' : 'no'}</td>}
            <td>{level.firedAt ? `${level.firedAt}${level.published === false ? ' (event not yet on the bus)' : ''}` : 'not fired'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function ThresholdInvoices({ view, invoiceHref }: { view: OpenSpend; invoiceHref: (invoiceRecordId: string) => string }) {
  const thresholds = view.thresholdInvoicing;
  if (!thresholds) return <p>No threshold invoicing on this contract.</p>;
  const currency = view.spend.currency;
  return (
    <>
      <p>
        Threshold {money(thresholds.threshold, currency)}: {money(thresholds.billed, currency)} billed on threshold invoices this period, {money(thresholds.unbilled, currency)} not yet billed.
      </p>
      {thresholds.invoices.length > 0 && (
        <table>
          <caption>Threshold invoices this period</caption>
          <thead>
            <tr>
              <th scope="col">Invoice</th>
              <th scope="col">Total</th>
              <th scope="col">Status</th>
            </tr>
          </thead>
          <tbody>
            {thresholds.invoices.map((invoice) => (
              <tr key={invoice.invoiceRecordId}>
                <th scope="row">
                  <a href={invoiceHref(invoice.invoiceRecordId)}>
                    #{invoice.sequence} {invoice.invoiceRecordId}
                  </a>
                </th>
                <td class="number">{money(invoice.total, currency)}</td>
                <td>{invoice.status ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** A contract's live spend; `portal` shows the customer's own view. */
export function LiveSpendPanel({ api, contractId, portal = false }: { api: Api; contractId: string; portal?: boolean }) {
  const [loaded] = useLoad(() => api.get<LiveSpend>(portal ? apiPath('portal', 'contracts', contractId, 'spend') : apiPath('contracts', contractId, 'spend')), [contractId, portal]);
  const headingId = `live-spend-${contractId}`;
  return (
    <section class="live-spend" aria-labelledby={headingId}>
      <h3 id={headingId}>{portal ? 'Spend this period' : `Live spend: ${contractId}`}</h3>
      <Status loaded={loaded}>
        {(view) =>
          !view.open ? (
            <p>{view.message}</p>
          ) : (
            <>
              <SpendChart view={view} title={`Spend of period ${view.periodId} to date against forecast${view.spend.commitment ? ', commitment' : ''}${view.caps.some((cap) => cap.kind === 'spend') ? ' and cap' : ''}`} />
              <SpendFacts view={view} />
              {!portal && <RatedLines view={view} />}
              <Caps view={view} />
              <Alerts view={view} firedOnly={portal} />
              <ThresholdInvoices view={view} invoiceHref={(id) => `#/invoice/${encodeURIComponent(id)}`} />
              <p class="muted">As of {view.asOf}.</p>
            </>
          )
        }
      </Status>
    </section>
  );
}
