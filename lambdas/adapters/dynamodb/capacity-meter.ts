import type { ConsumedCapacity } from '@aws-sdk/client-dynamodb';

// Adds up the capacity DynamoDB reports (ReturnConsumedCapacity) so the cost
// of an operation can be measured, e.g. write units per accepted outcome.

export interface CapacitySnapshot {
  readonly writeRequests: number;
  /** Write units across the table and its indexes. */
  readonly writeUnits: number;
  /** Write units per target: "table", "index:usage", "index:listing". */
  readonly writeUnitsByTarget: Readonly<Record<string, number>>;
  readonly readRequests: number;
  readonly readUnits: number;
}

export class CapacityMeter {
  private writeRequests = 0;
  private writeUnits = 0;
  private writeUnitsByTarget: Record<string, number> = {};
  private readRequests = 0;
  private readUnits = 0;

  recordWrite(consumed: ConsumedCapacity | undefined): void {
    this.writeRequests += 1;
    if (consumed === undefined) return;
    this.writeUnits += consumed.CapacityUnits ?? consumed.WriteCapacityUnits ?? 0;
    this.addTarget('table', consumed.Table?.CapacityUnits ?? consumed.Table?.WriteCapacityUnits);
    for (const [name, index] of Object.entries(consumed.GlobalSecondaryIndexes ?? {})) {
      this.addTarget(`index:${name}`, index.CapacityUnits ?? index.WriteCapacityUnits);
    }
  }

  recordRead(consumed: ConsumedCapacity | undefined): void {
    this.readRequests += 1;
    this.readUnits += consumed?.CapacityUnits ?? consumed?.ReadCapacityUnits ?? 0;
  }

  snapshot(): CapacitySnapshot {
    return {
      writeRequests: this.writeRequests,
      writeUnits: this.writeUnits,
      writeUnitsByTarget: { ...this.writeUnitsByTarget },
      readRequests: this.readRequests,
      readUnits: this.readUnits,
    };
  }

  reset(): void {
    this.writeRequests = 0;
    this.writeUnits = 0;
    this.writeUnitsByTarget = {};
    this.readRequests = 0;
    this.readUnits = 0;
  }

  private addTarget(target: string, units: number | undefined): void {
    if (units === undefined) return;
    this.writeUnitsByTarget[target] = (this.writeUnitsByTarget[target] ?? 0) + units;
  }
}
