// A DynamoDB table built from a TableDesign (lambdas/adapters/dynamodb/
// table-design.ts), so the adapters and the deployed table share one key
// design. Guardrails are fixed here, not per call: on-demand capacity,
// point-in-time recovery, deletion protection, KMS encryption, RETAIN.
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { TableDesign } from '../../lambdas/adapters/dynamodb/table-design';
import { TABLE_ACTIONS, type TableAccess } from '../config/handler-settings';
import { EngineError } from '../../lambdas/domain/errors/engine-error';

export interface DesignedTableProps {
  readonly design: TableDesign;
  /**
   * Whether the design may carry a TTL attribute. False for tables whose items
   * must never expire (the ledger): a design that gains a TTL then fails synth
   * instead of silently deleting billing history.
   */
  readonly allowTimeToLive: boolean;
}

export class DesignedTableError extends EngineError {
  readonly category = 'internal';
  readonly code = 'table_design_invalid';
  public constructor(message: string) {
    super(message);
    this.name = 'DesignedTableError';
  }
}

export class DesignedTable extends Construct {
  public readonly table: dynamodb.Table;
  public readonly design: TableDesign;

  public constructor(scope: Construct, id: string, props: DesignedTableProps) {
    super(scope, id);
    const { design } = props;
    if (design.timeToLiveAttribute !== undefined && !props.allowTimeToLive) {
      throw new DesignedTableError(
        `Table ${id} must never expire items, but its design names TTL attribute "${design.timeToLiveAttribute}"`,
      );
    }
    this.design = design;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: design.partitionKey, type: dynamodb.AttributeType.STRING },
      sortKey: { name: design.sortKey, type: dynamodb.AttributeType.STRING },
      // On demand: ingest is bursty and the cost model is per request; there
      // is no capacity to plan or to be throttled by when a producer backfills.
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: {
        pointInTimeRecoveryEnabled: true,
        recoveryPeriodInDays: 35,
      },
      deletionProtection: true,
      // The AWS-managed key (aws/dynamodb) rather than the default AWS-owned
      // one: every use of the key shows in CloudTrail, at no key cost and with
      // no key policy to get wrong. A customer-managed key buys nothing more
      // while the tables are neither shared across accounts nor crypto-shredded.
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      removalPolicy: RemovalPolicy.RETAIN,
      ...(design.timeToLiveAttribute === undefined
        ? {}
        : { timeToLiveAttribute: design.timeToLiveAttribute }),
      ...(design.stream === undefined ? {} : { stream: dynamodb.StreamViewType.NEW_IMAGE }),
    });
    for (const index of design.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.indexName,
        partitionKey: { name: index.partitionKey, type: dynamodb.AttributeType.STRING },
        sortKey: { name: index.sortKey, type: dynamodb.AttributeType.STRING },
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }

  /**
   * Grants `access` on the table and on each of its indexes by name. Unlike
   * `Table.grant*`, no `index/*` wildcard and no actions beyond the intent.
   */
  public grantAccess(grantee: iam.IGrantable, access: TableAccess): iam.Grant {
    return DesignedTable.grantAccessTo(this.table, this.design, grantee, access);
  }

  /** As `grantAccess`, for a table referenced from another stack. */
  public static grantAccessTo(
    table: dynamodb.ITable,
    design: TableDesign,
    grantee: iam.IGrantable,
    access: TableAccess,
  ): iam.Grant {
    const actions = TABLE_ACTIONS[access];
    // Indexes are only ever queried: an access without Query names the table alone.
    const indexArns = actions.includes('dynamodb:Query')
      ? design.indexes.map((index) => `${table.tableArn}/index/${index.indexName}`)
      : [];
    return iam.Grant.addToPrincipal({
      grantee,
      actions: [...actions],
      resourceArns: [table.tableArn, ...indexArns],
    });
  }
}
