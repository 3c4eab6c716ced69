// The staff console: the renewal board, finance, disputes and one invoice,
// chosen by the page's fragment (#/board, #/finance, #/disputes, #/invoice/<id>).
import { useEffect, useState } from 'preact/hooks';
import type { Api } from './api';
import { DisputesPage } from './disputes';
import { Finance } from './finance';
import { InvoiceView } from './invoice-view';
import { RenewalBoard } from './renewal-board';

export type ConsoleRoute = { view: 'board' } | { view: 'finance' } | { view: 'disputes' } | { view: 'invoice'; invoiceId: string };

export function routeOf(hash: string): ConsoleRoute {
  const invoice = /^#\/invoice\/(.+)$/.exec(hash);
  if (invoice?.[1]) return { view: 'invoice', invoiceId: decodeURIComponent(invoice[1]) };
  if (hash === '#/finance') return { view: 'finance' };
  if (hash === '#/disputes') return { view: 'disputes' };
  return { view: 'board' };
}

export function ConsoleApp({ api, signedIn }: { api: Api; signedIn: boolean }) {
  const [route, setRoute] = useState(() => routeOf(window.location.hash));
  useEffect(() => {
    const follow = () => setRoute(routeOf(window.location.hash));
    window.addEventListener('hashchange', follow);
    return () => window.removeEventListener('hashchange', follow);
  }, []);
  useEffect(() => {
    document.getElementById('main')?.focus();
  }, [route]);
  const current = (view: ConsoleRoute['view']) => (route.view === view ? 'page' : undefined);
  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header>
        <h1>Outcome engine console</h1>
        <nav aria-label="Console">
          <a href="#/board" aria-current={current('board')}>
            Renewal board
          </a>
          <a href="#/finance" aria-current={current('finance') ?? current('invoice')}>
            Finance
          </a>
          <a href="#/disputes" aria-current={current('disputes')}>
            Disputes
          </a>
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {!signedIn ? (
          <p role="alert">
            Not signed in. Open the console with the link the engine printed at start (it carries the staff token), or sign in through your identity provider.
          </p>
        ) : route.view === 'board' ? (
          <RenewalBoard api={api} />
        ) : route.view === 'finance' ? (
          <Finance api={api} />
        ) : route.view === 'disputes' ? (
          <DisputesPage api={api} />
        ) : (
          <InvoiceView api={api} invoiceId={route.invoiceId} base={['invoices']} />
        )}
      </main>
    </>
  );
}
