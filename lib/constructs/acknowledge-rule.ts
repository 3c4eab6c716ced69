// cdk-nag findings that do not apply are acknowledged next to the resource
// they concern, each with the reason it is safe. cdk-nag reads these from the
// construct (and its ancestors), so acknowledging on a construct covers the
// CloudFormation resources beneath it.
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/** One acknowledged rule: the nag rule id (with `[finding]` when the rule has findings) and why. */
export interface RuleAcknowledgement {
  readonly id: string;
  readonly reason: string;
}

export function acknowledgeRules(scope: IConstruct, rules: readonly RuleAcknowledgement[]): void {
  Validations.of(scope).acknowledge(...rules.map(({ id, reason }) => ({ id, reason })));
}
