// The role EventBridge Scheduler assumes when a schedule fires: it may invoke
// one function and send failed invocations to one dead-letter queue, nothing
// else, and only Scheduler acting for this account's schedule group may
// assume it. A scheduling function passes it with each schedule it creates.
import { Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { SCHEDULE_ACTIONS } from '../config/handler-settings';
import { acknowledgeRules } from './acknowledge-rule';

export const SCHEDULER_SERVICE = 'scheduler.amazonaws.com';

export interface SchedulerInvokeRoleProps {
  /** The schedule group whose schedules use this role. */
  readonly groupName: string;
  /** The only function the role may invoke. */
  readonly target: lambda.IFunction;
  /** Scheduler's dead-letter queue for the group (DeadLetterConfig of each schedule). */
  readonly deadLetterQueue: sqs.IQueue;
}

export class SchedulerInvokeRole extends Construct {
  public readonly role: iam.Role;
  public readonly groupName: string;

  public constructor(scope: Construct, id: string, props: SchedulerInvokeRoleProps) {
    super(scope, id);
    this.groupName = props.groupName;
    const stack = Stack.of(this);
    this.role = new iam.Role(this, 'Role', {
      description: `Assumed by EventBridge Scheduler for schedules in ${props.groupName}: invokes one function only`,
      // Confused-deputy guard: Scheduler acting for this account's group, and no other.
      assumedBy: new iam.ServicePrincipal(SCHEDULER_SERVICE, {
        conditions: {
          StringEquals: { 'aws:SourceAccount': stack.account },
          ArnEquals: { 'aws:SourceArn': scheduleGroupArn(stack, props.groupName) },
        },
      }),
    });
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'InvokeScheduledFunction',
        actions: ['lambda:InvokeFunction'],
        // The unqualified ARN the schedules target: no version, no alias, no wildcard.
        resources: [props.target.functionArn],
      }),
    );
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeadLetterFailedInvocations',
        actions: ['sqs:SendMessage'],
        resources: [props.deadLetterQueue.queueArn],
      }),
    );
  }

  /**
   * Lets `grantee` manage the group's schedules and pass this role to
   * Scheduler: the four schedule actions on `schedule/<group>/*` only, and
   * iam:PassRole on this role only, and only to Scheduler.
   */
  public grantManageSchedules(grantee: iam.Role): void {
    const scheduleArns = scheduleArnPattern(Stack.of(this), this.groupName);
    iam.Grant.addToPrincipal({ grantee, actions: [...SCHEDULE_ACTIONS], resourceArns: [scheduleArns] });
    grantee.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: ['iam:PassRole'],
        resources: [this.role.roleArn],
        conditions: { StringEquals: { 'iam:PassedToService': SCHEDULER_SERVICE } },
      }),
    );
    acknowledgeRules(grantee, [
      {
        id: `AwsSolutions-IAM5[Resource::${nagArn(Stack.of(this), scheduleArns)}]`,
        reason: `Schedules are created at runtime with names derived from contract and period or checkpoint, so they cannot be listed in advance; the wildcard covers exactly the schedules of the ${this.groupName} group.`,
      },
    ]);
  }
}

export function scheduleGroupArn(stack: Stack, groupName: string): string {
  return stack.formatArn({ service: 'scheduler', resource: 'schedule-group', resourceName: groupName });
}

/** Every schedule in one group: `arn:<partition>:scheduler:<region>:<account>:schedule/<group>/*`. */
export function scheduleArnPattern(stack: Stack, groupName: string): string {
  return stack.formatArn({ service: 'scheduler', resource: 'schedule', resourceName: `${groupName}/*` });
}

/**
 * An ARN as cdk-nag names it in a finding: each `Ref` of a pseudo parameter
 * becomes `<AWS::Name>` (the form of `AwsSolutions-IAM5[Resource::...]`).
 */
function nagArn(stack: Stack, arn: string): string {
  const resolved: unknown = stack.resolve(arn);
  if (typeof resolved === 'string') return resolved;
  const join = (resolved as { 'Fn::Join'?: [string, unknown[]] })['Fn::Join'];
  if (join === undefined) throw new Error(`Cannot render ${JSON.stringify(resolved)} as a nag finding`);
  return join[1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const ref = (part as { Ref?: string }).Ref;
      if (ref === undefined) throw new Error(`Cannot render ${JSON.stringify(part)} as a nag finding`);
      return `<${ref}>`;
    })
    .join(join[0]);
}
