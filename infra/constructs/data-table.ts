/**
 * The one DynamoDB table every layer stores its entities in (agents, tasks, memories, events,
 * ...), keyed and indexed as the topology says.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import type { Topology } from '../topology.js';

export interface DataTableProps {
  spec: Topology['table'];
}

export class DataTable extends Construct {
  // `Table` rather than `TableV2`: cdk-nag's PITR check (AwsSolutions-DDB3) only inspects
  // AWS::DynamoDB::Table, so with TableV2 it would pass without looking.
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string, props: DataTableProps) {
    super(scope, id);
    const { spec } = props;
    const key = (name: string) => ({ name, type: dynamodb.AttributeType.STRING });

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: key(spec.partitionKey),
      sortKey: key(spec.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: spec.ttlAttribute,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      // The table is the system of record: deleting the stack must not delete the data.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const index of spec.indexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: index.name,
        partitionKey: key(index.partitionKey),
        sortKey: key(index.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  }
}
