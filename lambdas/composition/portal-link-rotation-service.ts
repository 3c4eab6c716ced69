// Wires the portal link keyring's rotation (Secrets Manager's four steps) to
// a Secrets Manager client and the system's random bytes. The
// rotate-portal-link-keys Lambda builds its dependency through this function.
import { randomBytes } from 'node:crypto';
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { PortalLinkKeyRotation, ROTATION_STEPS, type RotationRequest } from '../adapters/secrets/portal-link-key-rotation';

export { ROTATION_STEPS, type RotationRequest };

export interface PortalLinkRotationService {
  run(request: RotationRequest): Promise<void>;
}

export function createPortalLinkRotationService(client: SecretsManagerClient): PortalLinkRotationService {
  return new PortalLinkKeyRotation({ client, randomBytes });
}
