// Where the engine's own function roles live in IAM. The path is the marker
// the bus policy trusts: only principals whose role ARN lies under it (or an
// ARN the stage lists in `engineEventPublisherArns`) may put events with the
// engine's own source. A path rather than a role-name prefix because
// CloudFormation truncates generated role names, while a path is kept whole
// and known at synth time, so the stateful stack can name it without
// referring to the stateless stack's roles.
import type { StageConfig } from './stage-config';

/** IAM path of every engine function's execution role, e.g. `/outcome-engine/prod/`. */
export function engineRolePath(config: Pick<StageConfig, 'stage'>): string {
  return `/outcome-engine/${config.stage}/`;
}

/** ARN pattern (for ArnLike) matching exactly the roles under engineRolePath in `account`. */
export function engineRoleArnPattern(config: Pick<StageConfig, 'stage'>, partition: string, account: string): string {
  return `arn:${partition}:iam::${account}:role${engineRolePath(config)}*`;
}
