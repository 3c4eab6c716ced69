// Runs the emulator as its own process until interrupted:
//   npx tsx lib/local/stripe-emulator/standalone.ts --port 12111 [--seed s] [--rate-limit 25]
//     [--webhook-url http://127.0.0.1:3000/stripe/webhook --webhook-secret whsec_...]
// Prints one JSON line with the URL, a usable test key and the webhook secret.
import { parseArgs } from 'node:util';
import { startStripeEmulator } from './server';

const { values } = parseArgs({
  options: {
    port: { type: 'string' },
    host: { type: 'string' },
    seed: { type: 'string' },
    'rate-limit': { type: 'string' },
    'webhook-url': { type: 'string' },
    'webhook-secret': { type: 'string' },
  },
});

const rateLimit = values['rate-limit'] === undefined ? undefined : Number(values['rate-limit']);
if (rateLimit !== undefined && !(rateLimit > 0)) throw new RangeError(`--rate-limit must be a positive number, got ${values['rate-limit']}`);

const emulator = await startStripeEmulator({
  ...(values.port !== undefined ? { port: Number(values.port) } : {}),
  ...(values.host !== undefined ? { host: values.host } : {}),
  ...(values.seed !== undefined ? { seed: values.seed } : {}),
  ...(rateLimit !== undefined ? { rateLimit: { perSecond: rateLimit } } : {}),
  ...(values['webhook-url'] !== undefined
    ? { webhook: { url: values['webhook-url'], ...(values['webhook-secret'] !== undefined ? { secret: values['webhook-secret'] } : {}) } }
    : {}),
});
process.stdout.write(`${JSON.stringify({ url: emulator.url, apiKey: emulator.apiKey, webhookSecret: emulator.webhookSecret })}\n`);

const shutdown = () => {
  emulator.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      process.stderr.write(`Stripe emulator did not stop cleanly: ${String(error)}\n`);
      process.exit(1);
    },
  );
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
