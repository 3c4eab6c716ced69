// The console API as the pages call it: same-origin fetches with the
// caller's credential (a staff token or a portal link) as a bearer token.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export interface Api {
  get<T>(path: string): Promise<T>;
  post<T>(path: string, body: unknown): Promise<T>;
  /** A file answer (a statement's CSV), read with the same credential: the file itself, or where to fetch it. */
  download(path: string): Promise<Download>;
}

/**
 * What a file route answers: the file streamed in the answer (the local
 * engine), or, in AWS, a short-lived link to the stored file (a Lambda answer
 * is at most 6 MB), which the page navigates to rather than fetches (its CSP
 * allows fetches to its own origin only).
 */
export type Download = { readonly kind: 'file'; readonly blob: Blob } | { readonly kind: 'link'; readonly url: string };

export function createApi(credential: () => string | undefined, fetchImpl: typeof fetch = (...args) => fetch(...args)): Api {
  const call = async <T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> => {
    const token = credential();
    const response = await fetchImpl(path, {
      method,
      headers: {
        accept: 'application/json',
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const payload = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
    // A 422 carrying a result (a dispute whose every outcome was refused) is an answer to show, not a failure.
    if (!response.ok && !(response.status === 422 && 'refused' in payload)) throw new ApiError(response.status, payload.code ?? 'error', payload.message ?? `request failed (${response.status})`);
    return payload as T;
  };
  const download = async (path: string): Promise<Download> => {
    const token = credential();
    const response = await fetchImpl(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!response.ok) {
      const payload = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
      throw new ApiError(response.status, payload.code ?? 'error', payload.message ?? `download failed (${response.status})`);
    }
    if ((response.headers.get('content-type') ?? '').startsWith('application/json')) {
      const payload = (await response.json()) as { downloadUrl?: unknown };
      if (typeof payload.downloadUrl !== 'string') throw new ApiError(response.status, 'error', 'download failed: the answer carried no file and no download link');
      return { kind: 'link', url: payload.downloadUrl };
    }
    return { kind: 'file', blob: await response.blob() };
  };
  return { get: (path) => call('GET', path), post: (path, body) => call('POST', path, body), download };
}

/** `/api/tasks/<id>` with each id encoded (task ids hold `#`). */
export function apiPath(...segments: string[]): string {
  return `/api/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;
}

/**
 * Takes `name=value` from the page's fragment (where links carry credentials,
 * so they never reach a server log), keeps it for this tab, and removes it
 * from the address bar.
 */
export function credentialFromFragment(name: string, storageKey: string, location: Location, history: History, storage: Storage): string | undefined {
  const match = new RegExp(`(?:^#|&)${name}=([^&]+)`).exec(location.hash);
  if (match?.[1]) {
    storage.setItem(storageKey, decodeURIComponent(match[1]));
    history.replaceState(null, '', `${location.pathname}${location.search}`);
  }
  return storage.getItem(storageKey) ?? undefined;
}
