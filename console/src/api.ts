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
  /** A file answer (a statement's CSV) as a Blob, read with the same credential. */
  download(path: string): Promise<Blob>;
}

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
  const download = async (path: string): Promise<Blob> => {
    const token = credential();
    const response = await fetchImpl(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (!response.ok) {
      const payload = (await response.json().catch(() => ({}))) as { code?: string; message?: string };
      throw new ApiError(response.status, payload.code ?? 'error', payload.message ?? `download failed (${response.status})`);
    }
    return response.blob();
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
