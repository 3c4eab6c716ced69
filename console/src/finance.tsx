// Finance: contracts and their plans, a contract's live spend (alerts, caps,
// threshold invoices), invoices (each opens its explanation),
// rejected outcomes by code, and a plan simulation as a chart and table of
// current against proposed revenue per contract.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Api } from './api';
import { Chart, plotted } from './chart';
import { groupDigits, money } from './format';
import { LiveSpendPanel } from './live-spend';
import { Status } from './status';
import type { ContractSummary, InvoiceSummary, RejectedGroups, SimulationRow } from './types';
import { useLoad } from './use-load';

function Contracts({ api }: { api: Api }) {
  const [loaded] = useLoad(() => api.get<{ contracts: ContractSummary[]; planCodes: string[] }>('/api/contracts'), []);
  return (
    <section aria-labelledby="contracts-heading">
      <h2 id="contracts-heading">Contracts and plans</h2>
      <Status loaded={loaded}>
        {({ contracts, planCodes }) => (
          <>
            <p>Plans: {planCodes.join(', ') || 'none'}</p>
            <table>
              <caption class="visually-hidden">Contracts</caption>
              <thead>
                <tr>
                  <th scope="col">Contract</th>
                  <th scope="col">Customer</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Term</th>
                  <th scope="col">Billing</th>
                  <th scope="col">Commitment</th>
                  <th scope="col">CSM</th>
                </tr>
              </thead>
              <tbody>
                {contracts.map((contract) => (
                  <tr key={contract.contractId}>
                    <th scope="row">{contract.contractId}</th>
                    <td>{contract.customerId}</td>
                    <td>
                      {contract.plan.code} ({contract.plan.version === 'latest' ? 'latest' : `v${contract.plan.version}`})
                    </td>
                    <td>
                      {contract.termStart} – {contract.termEnd}
                    </td>
                    <td>
                      {contract.cadence}, {contract.currency}
                    </td>
                    <td>{contract.commitment ?? '–'}</td>
                    <td>{contract.csmOwner ?? '–'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </>
        )}
      </Status>
    </section>
  );
}

export function InvoiceTable({ invoices, hrefOf }: { invoices: InvoiceSummary[]; hrefOf: (invoice: InvoiceSummary) => string }) {
  if (invoices.length === 0) return <p>No invoices issued yet.</p>;
  return (
    <table>
      <caption class="visually-hidden">Invoices</caption>
      <thead>
        <tr>
          <th scope="col">Invoice</th>
          <th scope="col">Contract</th>
          <th scope="col">Period</th>
          <th scope="col">Total</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        {invoices.map((invoice) => (
          <tr key={invoice.invoiceRecordId}>
            <th scope="row">
              <a href={hrefOf(invoice)}>{invoice.invoiceRecordId}</a>
            </th>
            <td>{invoice.contractId}</td>
            <td>
              {invoice.periodStart} – {invoice.periodEnd}
            </td>
            <td class="number">{money(invoice.total, invoice.currency)}</td>
            <td>
              {invoice.status ?? '–'}
              {invoice.stripeStatus ? ` (Stripe: ${invoice.stripeStatus})` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Invoices({ api }: { api: Api }) {
  const [loaded] = useLoad(() => api.get<InvoiceSummary[]>('/api/invoices'), []);
  return (
    <section aria-labelledby="invoices-heading">
      <h2 id="invoices-heading">Invoices</h2>
      <Status loaded={loaded}>{(invoices) => <InvoiceTable invoices={invoices} hrefOf={(invoice) => `#/invoice/${encodeURIComponent(invoice.invoiceRecordId)}`} />}</Status>
    </section>
  );
}

function Rejected({ api }: { api: Api }) {
  const [loaded] = useLoad(() => api.get<RejectedGroups>('/api/rejected'), []);
  return (
    <section aria-labelledby="rejected-heading">
      <h2 id="rejected-heading">Rejected outcomes (last 7 days)</h2>
      <Status loaded={loaded}>
        {({ byCode, more }) =>
          byCode.length === 0 ? (
            <p>No rejected outcomes.</p>
          ) : (
            <>
              {byCode.map((group) => (
                <details key={group.code}>
                  <summary>
                    {group.code}: {group.count}
                  </summary>
                  <ul>
                    {group.items.slice(0, 20).map((item, index) => (
                      <li key={index}>
                        {item.receivedAt} {item.outcomeId ?? ''}: {item.message}
                      </li>
                    ))}
                  </ul>
                </details>
              ))}
              {more && <p>More were rejected than shown: narrow the window in the CLI (`outcome-engine rejected`).</p>}
            </>
          )
        }
      </Status>
    </section>
  );
}

export function SimulationChart({ rows }: { rows: SimulationRow[] }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const contracts = rows.filter((row) => row.contractId !== 'TOTAL');
  useEffect(() => {
    if (!canvas.current || typeof canvas.current.getContext !== 'function' || !canvas.current.getContext('2d')) return undefined;
    const chart = new Chart(canvas.current, {
      type: 'bar',
      data: {
        labels: contracts.map((row) => row.contractId),
        datasets: [
          { label: 'current revenue', data: contracts.map((row) => plotted(row.current)), backgroundColor: '#1f5fa8' },
          { label: 'proposed revenue', data: contracts.map((row) => plotted(row.proposed)), backgroundColor: '#8a4b08' },
        ],
      },
      options: { animation: false, responsive: true, maintainAspectRatio: false },
    });
    return () => chart.destroy();
  }, [rows]);
  return (
    <figure class="chart">
      <figcaption>Current against proposed revenue per contract</figcaption>
      <div class="chart-canvas">
        <canvas ref={canvas} role="img" aria-label="Current against proposed revenue per contract; the table below has every value." />
      </div>
      <table>
        <caption class="visually-hidden">Simulation</caption>
        <thead>
          <tr>
            <th scope="col">Contract</th>
            <th scope="col">Customer</th>
            <th scope="col">Periods</th>
            <th scope="col">Current</th>
            <th scope="col">Proposed</th>
            <th scope="col">Difference</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.contractId}-${row.currency}`}>
              <th scope="row">{row.contractId}</th>
              <td>{row.customerId}</td>
              <td class="number">{row.periods}</td>
              <td class="number">
                {groupDigits(row.current)} {row.currency}
              </td>
              <td class="number">
                {groupDigits(row.proposed)} {row.currency}
              </td>
              <td class="number">
                {groupDigits(row.difference)} {row.currency} {row.differencePercent ? `(${row.differencePercent}%)` : ''}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

function Simulation({ api }: { api: Api }) {
  const [plan, setPlan] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [result, setResult] = useState<{ rows: SimulationRow[] } | { error: string } | undefined>();
  return (
    <section aria-labelledby="simulation-heading">
      <h2 id="simulation-heading">Plan simulation</h2>
      <form
        onSubmit={async (event) => {
          event.preventDefault();
          try {
            setResult(await api.post<{ rows: SimulationRow[] }>('/api/simulate', { plan, from, to }));
          } catch (error) {
            setResult({ error: error instanceof Error ? error.message : String(error) });
          }
        }}
      >
        <label for="sim-plan">Proposed plan (YAML or JSON, as for `outcome-engine simulate --plan`)</label>
        <textarea id="sim-plan" rows={8} value={plan} onInput={(event) => setPlan((event.target as HTMLTextAreaElement).value)} required />
        <div class="row">
          <label>
            First period start (YYYY-MM-DD){' '}
            <input type="text" inputMode="numeric" pattern="\d{4}-\d{2}-\d{2}" value={from} onInput={(event) => setFrom((event.target as HTMLInputElement).value)} required />
          </label>
          <label>
            Last period start (YYYY-MM-DD){' '}
            <input type="text" inputMode="numeric" pattern="\d{4}-\d{2}-\d{2}" value={to} onInput={(event) => setTo((event.target as HTMLInputElement).value)} required />
          </label>
          <button type="submit">Simulate</button>
        </div>
      </form>
      {result && 'error' in result && <p role="alert">{result.error}</p>}
      {result && 'rows' in result && <SimulationChart rows={result.rows} />}
    </section>
  );
}

function LiveSpend({ api }: { api: Api }) {
  const [loaded] = useLoad(() => api.get<{ contracts: ContractSummary[] }>('/api/contracts'), []);
  const [chosen, setChosen] = useState<string | undefined>();
  return (
    <section aria-labelledby="live-spend-heading">
      <h2 id="live-spend-heading">Live spend, alerts, caps and threshold invoices</h2>
      <Status loaded={loaded}>
        {({ contracts }) => {
          const contractId = chosen ?? contracts[0]?.contractId;
          if (contractId === undefined) return <p>No contracts yet.</p>;
          return (
            <>
              <label for="live-spend-contract">Contract</label>{' '}
              <select id="live-spend-contract" value={contractId} onChange={(event) => setChosen((event.target as HTMLSelectElement).value)}>
                {contracts.map((contract) => (
                  <option key={contract.contractId} value={contract.contractId}>
                    {contract.contractId} ({contract.customerId})
                  </option>
                ))}
              </select>
              <LiveSpendPanel api={api} contractId={contractId} />
            </>
          );
        }}
      </Status>
    </section>
  );
}

export function Finance({ api }: { api: Api }) {
  return (
    <>
      <Contracts api={api} />
      <LiveSpend api={api} />
      <Invoices api={api} />
      <Rejected api={api} />
      <Simulation api={api} />
      <p class="muted">
        Disputes are on the <a href="#/disputes">disputes page</a>.
      </p>
    </>
  );
}
