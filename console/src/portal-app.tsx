// The customer portal: for the one customer its link names, outcomes
// delivered against the target over time, the value delivered and the price
// paid, spend against the commitment, this period's spend against the
// commitment and caps with the alerts that fired, and the invoices with their itemised
// outcome statements, from which outcomes are disputed; and the customer's
// disputes with their decisions.
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { PortalDisputes } from './disputes';
import { InvoiceTable } from './finance';
import { minorToDecimal, groupDigits, money } from './format';
import { InvoiceView } from './invoice-view';
import { LiveSpendPanel } from './live-spend';
import { ProgressChart } from './progress-chart';
import { Status } from './status';
import type { ContractProgress, PortalOverview } from './types';
import { useLoad } from './use-load';

function SpendAgainstCommitment({ progress }: { progress: ContractProgress }) {
  const commitment = progress.commitment;
  if (!commitment) return <p>No spend commitment on this contract.</p>;
  const committed = BigInt(commitment.committed.minor);
  const spent = BigInt(commitment.spent.minor);
  // Whole percent for the meter: exact integer arithmetic on minor units.
  const percent = committed > 0n ? Number((spent * 100n) / committed) : 0;
  return (
    <div class="spend">
      <label for={`spend-${progress.contractId}`}>
        Spend against commitment: {money(commitment.spent, progress.currency)} of {money(commitment.committed, progress.currency)} ({percent}%)
      </label>
      <meter id={`spend-${progress.contractId}`} min={0} max={100} value={Math.min(percent, 100)}>
        {percent}%
      </meter>
    </div>
  );
}

function ValueAndPrice({ progress }: { progress: ContractProgress }) {
  const value = progress.value;
  return (
    <dl class="facts">
      <div>
        <dt>Value delivered</dt>
        <dd>{value.totalValueMinor !== undefined ? `${groupDigits(minorToDecimal(value.totalValueMinor))} ${value.currency}` : '–'}</dd>
      </div>
      <div>
        <dt>Price paid</dt>
        <dd>{value.pricePaidMinor !== undefined ? `${groupDigits(minorToDecimal(value.pricePaidMinor))} ${value.currency}` : '–'}</dd>
      </div>
      <div class="wide">
        <dt>In short</dt>
        <dd>{value.sentence}</dd>
      </div>
    </dl>
  );
}

export function PortalApp({ api, hasLink }: { api: Api; hasLink: boolean }) {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const follow = () => setHash(window.location.hash);
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  const [overview] = useLoad(() => (hasLink ? api.get<PortalOverview>('/api/portal/overview') : Promise.reject(new Error('this page needs a portal link'))), [hasLink]);
  const invoice = /^#\/invoice\/(.+)$/.exec(hash)?.[1];
  return (
    <>
      <header>
        <h1>Your outcomes</h1>
      </header>
      <main id="main">
        <Status loaded={overview}>
          {(view) =>
            invoice ? (
              <>
                <p>
                  <a href="#/">Back to your overview</a>
                </p>
                <InvoiceView api={api} invoiceId={decodeURIComponent(invoice)} base={['portal', 'invoices']} canDispute />
              </>
            ) : (
              <>
                <p class="muted">
                  Customer {view.customerId}
                  {view.linkExpiresAt ? ` · this link works until ${view.linkExpiresAt}` : ''}
                </p>
                {view.contracts.map((contract) => (
                  <section key={contract.contractId} aria-labelledby={`contract-${contract.contractId}`}>
                    <h2 id={`contract-${contract.contractId}`}>
                      {contract.contractId}: {contract.termStart} – {contract.termEnd}
                    </h2>
                    <ProgressChart progress={contract.progress} title={`Outcomes delivered against your target, ${contract.contractId}`} />
                    <ValueAndPrice progress={contract.progress} />
                    <SpendAgainstCommitment progress={contract.progress} />
                    <LiveSpendPanel api={api} contractId={contract.contractId} portal />
                  </section>
                ))}
                <section aria-labelledby="portal-invoices">
                  <h2 id="portal-invoices">Invoices</h2>
                  <InvoiceTable invoices={view.invoices} hrefOf={(item) => `#/invoice/${encodeURIComponent(item.invoiceRecordId)}`} />
                </section>
                <PortalDisputes api={api} />
              </>
            )
          }
        </Status>
      </main>
    </>
  );
}
