// Secrets Manager's rotation function for the portal link keyring secret:
// invoked by Secrets Manager once per rotation step with
// {SecretId, ClientRequestToken, Step}. The logic is
// lambdas/adapters/secrets/portal-link-key-rotation.ts; a failed step throws
// and Secrets Manager retries it with the same token.
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { z } from 'zod';
import {
  createPortalLinkRotationService,
  ROTATION_STEPS,
  type PortalLinkRotationService,
} from '../composition/portal-link-rotation-service';
import { withObservability } from '../shared/handler-middleware';
import { logger } from '../shared/powertools';

export const RotationEventSchema = z.object({
  SecretId: z.string().min(1),
  ClientRequestToken: z.string().min(1),
  Step: z.enum(ROTATION_STEPS),
});

export function createRotatePortalLinkKeysHandler(rotation: () => PortalLinkRotationService) {
  return async (event: unknown): Promise<void> => {
    const { SecretId, ClientRequestToken, Step } = RotationEventSchema.parse(event);
    logger.info('portal link key rotation step', { secretId: SecretId, step: Step });
    await rotation().run({ secretId: SecretId, token: ClientRequestToken, step: Step });
  };
}

let service: PortalLinkRotationService | undefined;

export const handler = withObservability(
  createRotatePortalLinkKeysHandler(() => (service ??= createPortalLinkRotationService(new SecretsManagerClient({})))),
);
