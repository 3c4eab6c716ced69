// Connection options for the stripe SDK when the emulator runs in another
// process and is known only by its URL (e.g. STRIPE_EMULATOR_URL).

export interface EmulatorClientOptions {
  host: string;
  port: number;
  protocol: 'http' | 'https';
}

/** `http://127.0.0.1:12111` → `{ host: '127.0.0.1', port: 12111, protocol: 'http' }` for `new Stripe(key, {...})`. */
export function clientOptionsFromUrl(url: string): EmulatorClientOptions {
  const parsed = new URL(url);
  const protocol = parsed.protocol === 'https:' ? 'https' : parsed.protocol === 'http:' ? 'http' : undefined;
  if (!protocol) throw new TypeError(`A Stripe emulator URL must be http or https, got ${url}`);
  const port = parsed.port === '' ? (protocol === 'https' ? 443 : 80) : Number(parsed.port);
  return { host: parsed.hostname, port, protocol };
}
