// Disputes and itemised statements. The portal shows an invoice's statement
// (every outcome behind each line, and each line's total), downloads it as
// CSV, disputes selected outcomes with a reason, and lists the customer's
// disputes; finance lists every dispute, filtered by status and contract, and
// decides each (upheld reverses and credits; rejected changes nothing).
import { useState } from 'preact/hooks';
import { apiPath, type Api } from './api';
import { Status } from './status';
import type { DisputeCounts, DisputeRow, DisputeStatus, OpenDisputeAnswer, Statement } from './types';
import { useLoad } from './use-load';

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** "1 open, 2 upheld"; "none" when nothing was disputed. */
export function describeDisputeCounts(counts: DisputeCounts | null | undefined): string {
  if (!counts) return '–';
  const parts = (['open', 'upheld', 'rejected'] as const).filter((status) => counts[status] > 0).map((status) => `${counts[status]} ${status}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

function DownloadCsv({ api, path, fileName }: { api: Api; path: string; fileName: string }) {
  const [error, setError] = useState<string | undefined>();
  return (
    <>
      <button
        type="button"
        onClick={async () => {
          try {
            const file = await api.download(path);
            const anchor = document.createElement('a');
            if (file.kind === 'link') {
              // The stored file (AWS): its link answers it as an attachment, so following it downloads and the page stays.
              anchor.href = file.url;
            } else {
              const url = URL.createObjectURL(file.blob);
              anchor.href = url;
              anchor.download = fileName;
              setTimeout(() => URL.revokeObjectURL(url), 60_000);
            }
            anchor.click();
            setError(undefined);
          } catch (caught) {
            setError(errorText(caught));
          }
        }}
      >
        Download statement (CSV)
      </button>
      {error && <p role="alert">{error}</p>}
    </>
  );
}

function DisputeForm({ api, selected, onOpened }: { api: Api; selected: readonly string[]; onOpened: () => void }) {
  const [reason, setReason] = useState('');
  const [answer, setAnswer] = useState<OpenDisputeAnswer | { error: string } | undefined>();
  return (
    <form
      aria-labelledby="dispute-heading"
      onSubmit={async (event) => {
        event.preventDefault();
        try {
          const opened = await api.post<OpenDisputeAnswer>('/api/portal/disputes', { outcomeIds: selected, reason });
          setAnswer(opened);
          if (opened.opened.length > 0) onOpened();
        } catch (error) {
          setAnswer({ error: errorText(error) });
        }
      }}
    >
      <h3 id="dispute-heading">Dispute selected outcomes</h3>
      <p>{selected.length === 0 ? 'Select the outcomes you dispute in the statement above.' : `${selected.length} outcome(s) selected.`}</p>
      <label for="dispute-reason">Why do you dispute them?</label>
      <textarea id="dispute-reason" rows={3} maxLength={1000} value={reason} onInput={(event) => setReason((event.target as HTMLTextAreaElement).value)} required />
      <div>
        <button type="submit" disabled={selected.length === 0}>
          Open dispute
        </button>
      </div>
      {answer && 'error' in answer && <p role="alert">{answer.error}</p>}
      {answer && 'disputeId' in answer && (
        <div role="status" class="dispute-answer">
          <p>
            Dispute {answer.disputeId}: {answer.opened.length} opened, {answer.refused.length} refused.
          </p>
          <ul>
            {answer.opened.map((outcome) => (
              <li key={outcome.outcomeId}>
                Opened {outcome.outcomeId}
                {outcome.created ? '' : ' (already open)'}
              </li>
            ))}
            {answer.refused.map((refusal) => (
              <li key={refusal.outcomeId}>
                Refused {refusal.outcomeId} ({refusal.code}): {refusal.message}
              </li>
            ))}
          </ul>
        </div>
      )}
    </form>
  );
}

/** An invoice's itemised statement; `canDispute` (the portal) adds selection and the dispute form. */
export function StatementSection({ api, base, invoiceId, canDispute }: { api: Api; base: string[]; invoiceId: string; canDispute: boolean }) {
  const [statement, reload] = useLoad(() => api.get<Statement>(apiPath(...base, invoiceId, 'statement')), [invoiceId]);
  const [selected, setSelected] = useState<string[]>([]);
  const toggle = (outcomeId: string, on: boolean) => setSelected((current) => (on ? [...current, outcomeId] : current.filter((id) => id !== outcomeId)));
  return (
    <section aria-labelledby="statement-heading">
      <h2 id="statement-heading">Itemised statement</h2>
      <Status loaded={statement}>
        {(view) => (
          <>
            <p class="muted">
              Every outcome behind each line, as recorded by {view.cutoff}.{' '}
              {view.rows.length < view.totalRows ? `The first ${view.rows.length} of ${view.totalRows} outcomes are shown; the CSV has every one.` : `${view.totalRows} outcome(s).`}
            </p>
            <DownloadCsv api={api} path={apiPath(...base, invoiceId, 'statement.csv')} fileName={`statement-${invoiceId.replace(/[^A-Za-z0-9._-]/g, '_')}.csv`} />
            <table class="lines">
              <caption>Line totals</caption>
              <thead>
                <tr>
                  <th scope="col">Line</th>
                  <th scope="col">Outcomes</th>
                  <th scope="col">Quantity from outcomes</th>
                  <th scope="col">Line quantity</th>
                  <th scope="col">Amount</th>
                  <th scope="col">Pricing</th>
                </tr>
              </thead>
              <tbody>
                {view.lines.map((line) => (
                  <tr key={line.lineId}>
                    <th scope="row">{line.description}</th>
                    <td class="number">{line.outcomes}</td>
                    <td class="number">{line.measured ?? '–'}</td>
                    <td class="number">
                      {line.lineQuantity}
                      {line.reconciles ? '' : ' (does not reconcile)'}
                    </td>
                    <td class="number">
                      {line.amount.decimal} {view.currency}
                    </td>
                    <td>{line.pricing}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <table class="outcomes statement">
              <caption>Outcomes</caption>
              <thead>
                <tr>
                  {canDispute && <th scope="col">Dispute</th>}
                  <th scope="col">Outcome</th>
                  <th scope="col">Line</th>
                  <th scope="col">Occurred</th>
                  <th scope="col">Quantity</th>
                  <th scope="col">Evidence</th>
                  <th scope="col">Status</th>
                </tr>
              </thead>
              <tbody>
                {view.rows.map((row) => (
                  <tr key={`${row.lineId} ${row.outcomeId}`} data-line-id={row.lineId} data-outcome-id={row.outcomeId}>
                    {canDispute && (
                      <td>
                        <input
                          type="checkbox"
                          id={`select-${row.lineId}-${row.outcomeId}`}
                          aria-label={`Select outcome ${row.outcomeId} (${row.lineId})`}
                          disabled={row.disputeStatus === 'open'}
                          checked={selected.includes(row.outcomeId)}
                          onChange={(event) => toggle(row.outcomeId, (event.target as HTMLInputElement).checked)}
                        />
                      </td>
                    )}
                    <td>{row.outcomeId}</td>
                    <td>{row.lineId}</td>
                    <td>{row.occurredAt}</td>
                    <td class="number">{row.quantity}</td>
                    <td>{row.evidence?.summary ?? row.evidence?.reference ?? '–'}</td>
                    <td>{row.laterReversal ? `reversed ${row.laterReversal.recordedAt}` : row.disputeStatus ? `dispute ${row.disputeStatus}` : 'billed'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            {canDispute && (
              <DisputeForm
                api={api}
                selected={selected}
                onOpened={() => {
                  setSelected([]);
                  reload();
                }}
              />
            )}
          </>
        )}
      </Status>
    </section>
  );
}

function DisputeTable({ rows, caption, decide }: { rows: DisputeRow[]; caption: string; decide?: (row: DisputeRow) => preact.ComponentChildren }) {
  if (rows.length === 0) return <p>No disputes.</p>;
  return (
    <table class="disputes">
      <caption>{caption}</caption>
      <thead>
        <tr>
          <th scope="col">Dispute</th>
          <th scope="col">Outcome</th>
          {decide && <th scope="col">Customer</th>}
          <th scope="col">Occurred</th>
          <th scope="col">Reason</th>
          <th scope="col">Opened</th>
          <th scope="col">Status</th>
          {decide && <th scope="col">Decide</th>}
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={`${row.disputeId} ${row.outcomeId}`} data-dispute-id={row.disputeId} data-outcome-id={row.outcomeId}>
            <td>{row.disputeId}</td>
            <td>{row.outcomeId}</td>
            {decide && <td>{row.customerId}</td>}
            <td>{row.occurredAt}</td>
            <td>{row.reason}</td>
            <td>
              {row.openedAt} by {row.raisedBy}
            </td>
            <td>
              {row.status}
              {row.decision ? ` (${row.decision.resolvedBy}: ${row.decision.note})` : ''}
            </td>
            {decide && <td>{row.status === 'open' ? decide(row) : '–'}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** The portal's list of the customer's own disputes. */
export function PortalDisputes({ api }: { api: Api }) {
  const [disputes] = useLoad(() => api.get<DisputeRow[]>('/api/portal/disputes'), []);
  return (
    <section aria-labelledby="portal-disputes">
      <h2 id="portal-disputes">Your disputes</h2>
      <Status loaded={disputes}>{(rows) => <DisputeTable rows={rows} caption="Disputed outcomes and their decisions" />}</Status>
    </section>
  );
}

function ResolveForm({ api, row, onDone }: { api: Api; row: DisputeRow; onDone: () => void }) {
  const [decision, setDecision] = useState<'upheld' | 'rejected'>('rejected');
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | undefined>();
  const key = `${row.disputeId}-${row.outcomeId}`.replace(/[^A-Za-z0-9_-]/g, '_');
  return (
    <form
      class="resolve"
      onSubmit={async (event) => {
        event.preventDefault();
        try {
          await api.post(apiPath('disputes', row.disputeId, 'resolve'), { decision, note, outcomeIds: [row.outcomeId] });
          setError(undefined);
          onDone();
        } catch (caught) {
          setError(errorText(caught));
        }
      }}
    >
      <label for={`decision-${key}`}>Decision</label>{' '}
      <select id={`decision-${key}`} value={decision} onChange={(event) => setDecision((event.target as HTMLSelectElement).value as 'upheld' | 'rejected')}>
        <option value="upheld">Upheld (reverse and credit)</option>
        <option value="rejected">Rejected (outcome stands)</option>
      </select>{' '}
      <label for={`note-${key}`}>Note</label> <input id={`note-${key}`} type="text" maxLength={1000} value={note} onInput={(event) => setNote((event.target as HTMLInputElement).value)} required />{' '}
      <button type="submit" aria-label={`Resolve dispute ${row.disputeId} of ${row.outcomeId}`}>
        Resolve
      </button>
      {error && <p role="alert">{error}</p>}
    </form>
  );
}

/** Finance's disputes page: every dispute, filtered by status and contract, each open one decided with a note. */
export function DisputesPage({ api }: { api: Api }) {
  const [status, setStatus] = useState<DisputeStatus | ''>('');
  const [contractId, setContractId] = useState('');
  const [applied, setApplied] = useState({ status: '', contractId: '' });
  const query = new URLSearchParams({ ...(applied.status ? { status: applied.status } : {}), ...(applied.contractId ? { contractId: applied.contractId } : {}) }).toString();
  const [disputes, reload] = useLoad(() => api.get<DisputeRow[]>(`/api/disputes${query ? `?${query}` : ''}`), [query]);
  return (
    <section aria-labelledby="disputes-heading">
      <h2 id="disputes-heading">Disputes</h2>
      <form
        class="row"
        aria-label="Filter disputes"
        onSubmit={(event) => {
          event.preventDefault();
          setApplied({ status, contractId: contractId.trim() });
        }}
      >
        <label>
          Status{' '}
          <select value={status} onChange={(event) => setStatus((event.target as HTMLSelectElement).value as DisputeStatus | '')}>
            <option value="">Any</option>
            <option value="open">Open</option>
            <option value="upheld">Upheld</option>
            <option value="rejected">Rejected</option>
          </select>
        </label>
        <label>
          Contract <input type="text" value={contractId} onInput={(event) => setContractId((event.target as HTMLInputElement).value)} />
        </label>
        <button type="submit">Filter</button>
      </form>
      <Status loaded={disputes}>{(rows) => <DisputeTable rows={rows} caption="Disputed outcomes, oldest first" decide={(row) => <ResolveForm api={api} row={row} onDone={reload} />} />}</Status>
    </section>
  );
}
