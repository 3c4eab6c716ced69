// Checks the engine adds to cdk-nag's AWS Solutions and Serverless packs.
// Neither pack looks at Lambda Function URLs, yet a URL with AuthType NONE is
// a public endpoint: this pack makes one fail synthesis unless it is
// acknowledged with the reason it is safe (how requests are authenticated).
import type { CfnResource } from 'aws-cdk-lib';
import { NagMessageLevel, NagPack, rules, type NagPackProps } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** Rule ids are `OutcomeEngine-<rule>`, e.g. `OutcomeEngine-LambdaFunctionUrlAuth`. */
export const ENGINE_NAG_PACK_NAME = 'OutcomeEngine';

export class EngineChecks extends NagPack {
  public readonly name = ENGINE_NAG_PACK_NAME;

  public constructor(scope?: IConstruct, props?: NagPackProps) {
    super(scope, props);
    this.packName = ENGINE_NAG_PACK_NAME;
  }

  protected checkResource(node: CfnResource): void {
    this.applyRule({
      info: 'The Lambda Function URL has no IAM authentication (AuthType NONE).',
      explanation:
        'Anyone on the internet can invoke a function behind a public URL. Acknowledge only when every request is authenticated by the function itself (for example a verified webhook signature) and its concurrency is bounded.',
      level: NagMessageLevel.ERROR,
      rule: rules.lambda.LambdaFunctionUrlAuth,
      node,
    });
  }
}
