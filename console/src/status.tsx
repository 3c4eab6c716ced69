import type { ComponentChildren } from 'preact';
import type { Loaded } from './use-load';

/** Loading and error states read out to screen readers; the content once loaded. */
export function Status<T>({ loaded, children }: { loaded: Loaded<T>; children: (value: T) => ComponentChildren }) {
  if (loaded.state === 'loading') return <p role="status">Loading…</p>;
  if (loaded.state === 'error') return <p role="alert" class="error">Could not load: {loaded.message}</p>;
  return <>{children(loaded.value)}</>;
}
