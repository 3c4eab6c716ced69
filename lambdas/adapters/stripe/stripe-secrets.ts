import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';

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

export class StripeConfigError extends Error {
  readonly code = 'stripe_config_invalid';
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'StripeConfigError';
  }
}

/**
 * In AWS the secrets live in Secrets Manager (STRIPE_SECRET_ARN names a JSON
 * secret `{ "apiKey": ..., "webhookSecret": ... }`); locally they come from
 * STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET. Errors never include the values.
 */
export async function loadStripeSecrets(
  env: Readonly<Record<string, string | undefined>>,
  client: SecretsManagerClient = new SecretsManagerClient({}),
): Promise<StripeSecrets> {
  const arn = env['STRIPE_SECRET_ARN'];
  if (!arn) {
    return {
      ...(env['STRIPE_SECRET_KEY'] ? { apiKey: env['STRIPE_SECRET_KEY'] } : {}),
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
