import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import { engineErrorClass } from '../../domain/errors/engine-error';

/** The Stripe secrets, never logged: the key and the webhook signing secret. */
export interface StripeSecrets {
  readonly apiKey?: string;
  readonly webhookSecret?: string;
}

export const StripeSecretDocumentSchema = z.strictObject({
  apiKey: z.string().regex(/^(sk|rk)_(test|live)_\S+$/, { error: 'expected a Stripe secret key (sk_test_... or rk_...)' }).optional(),
  webhookSecret: z.string().regex(/^whsec_\S+$/, { error: 'expected a webhook signing secret (whsec_...)' }).optional(),
});
export type StripeSecretDocument = z.infer<typeof StripeSecretDocumentSchema>;

export class StripeConfigError extends engineErrorClass('StripeConfigError', 'internal', 'stripe_config_invalid') {}

/** Where a run outside AWS takes the Stripe key from (next to STRIPE_API_HOST/PORT/PROTOCOL). */
export const STRIPE_API_KEY_ENV = 'STRIPE_API_KEY';
/** Accepted too, for setups that followed Stripe's own naming. */
export const STRIPE_API_KEY_ALIAS_ENV = 'STRIPE_SECRET_KEY';

/**
 * The Stripe key from STRIPE_API_KEY (or its alias STRIPE_SECRET_KEY), the
 * one rule the local engine, the CLI and the handlers share. Both set to
 * different keys is refused rather than guessed; the message names the
 * variables, never the values.
 */
export function stripeApiKeyFromEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const primary = env[STRIPE_API_KEY_ENV] || undefined;
  const alias = env[STRIPE_API_KEY_ALIAS_ENV] || undefined;
  if (primary && alias && primary !== alias) {
    throw new StripeConfigError(
      `${STRIPE_API_KEY_ENV} and ${STRIPE_API_KEY_ALIAS_ENV} are both set, to different keys: set only ${STRIPE_API_KEY_ENV}`,
    );
  }
  return primary ?? alias;
}

/**
 * In AWS the secrets live in Secrets Manager (STRIPE_SECRET_ARN names a JSON
 * secret `{ "apiKey": ..., "webhookSecret": ... }`); locally they come from
 * STRIPE_API_KEY (alias STRIPE_SECRET_KEY) and STRIPE_WEBHOOK_SECRET. With an
 * ARN the environment's key is ignored. Errors never include the values.
 */
export async function loadStripeSecrets(
  env: Readonly<Record<string, string | undefined>>,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<StripeSecrets> {
  const arn = env['STRIPE_SECRET_ARN'];
  if (!arn) {
    const apiKey = stripeApiKeyFromEnv(env);
    return {
      ...(apiKey ? { apiKey } : {}),
      ...(env['STRIPE_WEBHOOK_SECRET'] ? { webhookSecret: env['STRIPE_WEBHOOK_SECRET'] } : {}),
    };
  }
  const result = await client.send(new GetSecretValueCommand({ SecretId: arn }));
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.SecretString ?? '');
  } catch (error) {
    throw new StripeConfigError(`secret ${arn} is not a JSON document`, { cause: error instanceof Error ? new Error(error.name) : undefined });
  }
  const document = StripeSecretDocumentSchema.safeParse(parsed);
  if (!document.success) {
    // Only field paths and codes: the issue text could echo the secret.
    const fields = document.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.code}`).join('; ');
    throw new StripeConfigError(`secret ${arn} is invalid (${fields})`);
  }
  return document.data;
}
