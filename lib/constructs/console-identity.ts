// Who may use the console, kept in the stateful stack because it is data:
// the staff user pool (staff accounts, their MFA devices and groups) and the
// secret holding the keys customer portal links are signed with. Replacing
// either would sign every staff member out for good or break every portal
// link issued, so both are retained when the stack goes.
import { CfnOutput, Duration, RemovalPolicy } from 'aws-cdk-lib';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { PORTAL_LINK_SECRET_PLACEHOLDER_KEY } from '../../lambdas/domain/console/portal-link-keyring';
import type { StageConfig } from '../config/stage-config';
import { acknowledgeRules } from './acknowledge-rule';

/** Staff groups: what a signed-in staff member may see and do is decided by these. */
export const STAFF_GROUPS = {
  finance: 'Finance: contracts, plans, invoices and their trace, rejected outcomes, plan simulations',
  csm: 'Customer success: the renewal board, task actions and renewal results',
} as const;
export type StaffGroup = keyof typeof STAFF_GROUPS;

/** The portal link keyring secret's fixed name, so operators and the runbook can address it. */
export function portalLinkSecretName(config: Pick<StageConfig, 'stage'>): string {
  return `outcome-engine/${config.stage}/portal-link-keys`;
}

export interface ConsoleIdentityProps {
  readonly config: StageConfig;
}

export class ConsoleIdentity extends Construct {
  public readonly staffUserPool: cognito.UserPool;
  public readonly portalLinkSecret: secretsmanager.Secret;

  public constructor(scope: Construct, id: string, props: ConsoleIdentityProps) {
    super(scope, id);
    const { config } = props;
    const mfaRequired = config.console.staffMfa === 'required';

    this.staffUserPool = new cognito.UserPool(this, 'StaffUserPool', {
      userPoolName: `outcome-engine-${config.stage}-staff`,
      // Staff accounts are created by an administrator (docs/runbook.md), never by sign-up.
      selfSignUpEnabled: false,
      signInAliases: { email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: true, mutable: true } },
      mfa: mfaRequired ? cognito.Mfa.REQUIRED : cognito.Mfa.OPTIONAL,
      // TOTP only: SMS would need an SNS role and spend limits, and is weaker.
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        tempPasswordValidity: Duration.days(3),
      },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // Plus: threat protection (compromised credentials, adaptive authentication) enforced.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [group, description] of Object.entries(STAFF_GROUPS)) {
      new cognito.CfnUserPoolGroup(this, `${group[0]?.toUpperCase()}${group.slice(1)}Group`, {
        userPoolId: this.staffUserPool.userPoolId,
        groupName: group,
        description,
      });
    }
    if (!mfaRequired) {
      acknowledgeRules(this.staffUserPool, [
        {
          id: 'AwsSolutions-COG2',
          reason: `Stage "${config.stage}" sets console.staffMfa to "optional": each staff member may enrol a TOTP device, none is forced to (stage configuration).`,
        },
      ]);
    }

    // Created with a placeholder and rotated at once by the rotation the
    // stateless stack attaches (rotateImmediatelyOnUpdate): the rotation
    // function writes the first real keyring. The AWS-managed key
    // (aws/secretsmanager) encrypts it; only the console API and the
    // rotation function may read it.
    this.portalLinkSecret = new secretsmanager.Secret(this, 'PortalLinkKeys', {
      secretName: portalLinkSecretName(config),
      description: `Outcome engine (${config.stage}): HMAC keys customer portal links are signed with ({"current","previous"}); rotated by the RotatePortalLinkKeys function`,
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: PORTAL_LINK_SECRET_PLACEHOLDER_KEY,
        excludePunctuation: true,
        passwordLength: 32,
      },
      removalPolicy: RemovalPolicy.RETAIN,
    });
    acknowledgeRules(this.portalLinkSecret, [
      {
        id: 'AwsSolutions-SMG4',
        reason: `Rotated every ${config.console.portalLinkKeyRotationDays} days (console.portalLinkKeyRotationDays) by the RotatePortalLinkKeys function; the schedule lives in the stateless stack with the function, where this check cannot see it.`,
      },
    ]);

    new CfnOutput(scope, 'StaffUserPoolId', { value: this.staffUserPool.userPoolId, description: 'Cognito user pool of console staff (groups: finance, csm)' });
    new CfnOutput(scope, 'PortalLinkSecretArn', { value: this.portalLinkSecret.secretArn, description: 'Secret holding the portal link signing keys' });
  }
}
