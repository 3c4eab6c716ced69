import { describe, expect, it } from 'vitest';
import { describeLocalStripe } from '../../../../lib/local/local-billing';

const webhookUrl = 'http://127.0.0.1:4010/stripe/webhook';

describe('describeLocalStripe (the npm start banner)', () => {
  it('names the emulator with its URL and the webhook route on the engine port', () => {
    const lines = describeLocalStripe({ stripeMode: 'emulator', webhookUrl, emulator: { url: 'http://127.0.0.1:41234' } }, {});
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(/^ {2}Stripe {14}emulator at http:\/\/127\.0\.0\.1:41234 /);
    expect(lines[1]).toContain(`POST ${webhookUrl}`);
  });

  it('says Stripe test mode without ever printing the key or the webhook secret', () => {
    const key = 'sk_test_51AbCdEfGhIjKlMnOpQrStUvWxYz0123456789';
    const secret = 'whsec_0123456789abcdef';
    const lines = describeLocalStripe({ stripeMode: 'stripe_test_mode', webhookUrl }, { STRIPE_API_KEY: key, STRIPE_WEBHOOK_SECRET: secret });
    const text = lines.join('\n');
    expect(text).toContain('Stripe test mode');
    expect(text).toContain(`stripe listen --forward-to ${webhookUrl}`);
    expect(text).not.toContain(key.slice(8, 20));
    expect(text).not.toContain(secret);
  });

  it('warns that test-mode events are refused until a webhook secret is set', () => {
    const [, webhook] = describeLocalStripe({ stripeMode: 'stripe_test_mode', webhookUrl }, {});
    expect(webhook).toContain('set STRIPE_WEBHOOK_SECRET');
  });
});
