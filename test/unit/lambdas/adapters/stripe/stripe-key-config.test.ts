// One name for the Stripe key outside AWS (STRIPE_API_KEY, with
// STRIPE_SECRET_KEY accepted as an alias), and in AWS the key from Secrets
// Manager (STRIPE_SECRET_ARN), which then wins over anything in the
// environment. Secrets Manager is mocked; nothing here reaches a network.
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { StripeConfigError, loadStripeSecrets, stripeApiKeyFromEnv } from '../../../../../lambdas/adapters/stripe/stripe-secrets';
import { stripeConnectionFromEnv } from '../../../../../lambdas/composition/billing-service';

const ARN = 'arn:aws:secretsmanager:eu-central-1:111111111111:secret:outcome-engine/prod/stripe-AbCdEf';
const SECRET_KEY = 'sk_test_fromSecretsManager51Hx';
const secrets = mockClient(SecretsManagerClient);

afterEach(() => {
  secrets.reset();
});

describe('the close-period composition in AWS (STRIPE_SECRET_ARN)', () => {
  it('reads the key from Secrets Manager, by the ARN, once, and ignores keys in the environment', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ apiKey: SECRET_KEY, webhookSecret: 'whsec_x' }) });
    const connection = await stripeConnectionFromEnv(
      { STRIPE_SECRET_ARN: ARN, STRIPE_API_KEY: 'sk_test_environment1', STRIPE_SECRET_KEY: 'sk_test_environment2', STRIPE_RATE_PER_SECOND: '16' },
      new SecretsManagerClient({ region: 'eu-central-1' }),
    );
    expect(connection).toEqual({ apiKey: SECRET_KEY, ratePerSecond: 16 });
    const calls = secrets.commandCalls(GetSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ SecretId: ARN });
  });

  it('fails with a StripeConfigError when the secret holds no key, naming neither key nor secret value', async () => {
    secrets.on(GetSecretValueCommand).resolves({ SecretString: JSON.stringify({ webhookSecret: 'whsec_onlyTheWebhook' }) });
    const failure = (await stripeConnectionFromEnv({ STRIPE_SECRET_ARN: ARN, STRIPE_API_KEY: 'sk_test_environment1' }, new SecretsManagerClient({})).catch(
      (error: unknown) => error,
    )) as Error;
    expect(failure).toBeInstanceOf(StripeConfigError);
    expect(failure.message).not.toMatch(/whsec_onlyTheWebhook|sk_test_environment1/);
  });

  it('passes a Secrets Manager failure on (retried by the caller), without reading the environment instead', async () => {
    secrets.on(GetSecretValueCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException' }));
    await expect(stripeConnectionFromEnv({ STRIPE_SECRET_ARN: ARN, STRIPE_API_KEY: 'sk_test_environment1' }, new SecretsManagerClient({}))).rejects.toThrow(
      'Rate exceeded',
    );
  });
});

describe('the key outside AWS', () => {
  it('is STRIPE_API_KEY, with STRIPE_SECRET_KEY accepted as an alias', async () => {
    expect(stripeApiKeyFromEnv({ STRIPE_API_KEY: 'sk_test_a' })).toBe('sk_test_a');
    expect(stripeApiKeyFromEnv({ STRIPE_SECRET_KEY: 'sk_test_b' })).toBe('sk_test_b');
    expect(stripeApiKeyFromEnv({ STRIPE_API_KEY: 'sk_test_c', STRIPE_SECRET_KEY: 'sk_test_c' })).toBe('sk_test_c');
    expect(stripeApiKeyFromEnv({ STRIPE_API_KEY: '', STRIPE_SECRET_KEY: '' })).toBeUndefined();
    // The webhook's loader and the close's connection read the same names.
    expect(await loadStripeSecrets({ STRIPE_SECRET_KEY: 'sk_test_b', STRIPE_WEBHOOK_SECRET: 'whsec_w' })).toEqual({ apiKey: 'sk_test_b', webhookSecret: 'whsec_w' });
    expect(await stripeConnectionFromEnv({ STRIPE_SECRET_KEY: 'sk_test_b' })).toEqual({ apiKey: 'sk_test_b' });
    expect(secrets.commandCalls(GetSecretValueCommand)).toHaveLength(0);
  });

  it('refuses two different keys under the two names, without echoing either', () => {
    let failure: unknown;
    try {
      stripeApiKeyFromEnv({ STRIPE_API_KEY: 'sk_test_firstKey', STRIPE_SECRET_KEY: 'sk_test_secondKey' });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(StripeConfigError);
    expect((failure as Error).message).toMatch(/STRIPE_API_KEY and STRIPE_SECRET_KEY/);
    expect((failure as Error).message).not.toMatch(/firstKey|secondKey/);
  });

  it('is required: no key and no ARN is a StripeConfigError that says which variables to set', async () => {
    await expect(stripeConnectionFromEnv({})).rejects.toThrow(/STRIPE_SECRET_ARN.*STRIPE_API_KEY/);
  });
});
