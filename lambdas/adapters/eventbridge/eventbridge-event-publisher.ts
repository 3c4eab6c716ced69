import { PutEventsCommand, type EventBridgeClient, type PutEventsRequestEntry } from '@aws-sdk/client-eventbridge';
import { InfrastructureError } from '../../application/errors';
import { ENGINE_EVENT_SOURCE } from '../../domain/events/detail-types';
import type { EventPublisher, OutboundEvent } from '../../application/ports';
import { toInfrastructureError } from '../dynamodb/aws-error-classification';

// Publishes engine events with PutEvents, under the engine's own source. PutEvents can succeed as a call and
// still refuse some entries (FailedEntryCount > 0, e.g. throttled): those are
// infrastructure failures too, so the caller's message is retried rather than
// acknowledged with an announcement that never went out.

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES_PER_CALL = 10;

export class EventBridgeEventPublisher implements EventPublisher {
  constructor(private readonly options: { readonly client: EventBridgeClient; readonly eventBusName: string }) {}

  async publish(events: readonly OutboundEvent[]): Promise<void> {
    for (let start = 0; start < events.length; start += MAX_ENTRIES_PER_CALL) {
      await this.putBatch(events.slice(start, start + MAX_ENTRIES_PER_CALL));
    }
  }

  private async putBatch(events: readonly OutboundEvent[]): Promise<void> {
    const entries: PutEventsRequestEntry[] = events.map((event) => ({
      EventBusName: this.options.eventBusName,
      Source: ENGINE_EVENT_SOURCE,
      DetailType: event.detailType,
      Detail: JSON.stringify(event.detail),
    }));
    let output;
    try {
      output = await this.options.client.send(new PutEventsCommand({ Entries: entries }));
    } catch (error) {
      throw toInfrastructureError(error, 'EventBridge PutEvents');
    }
    const failed = output.FailedEntryCount ?? 0;
    if (failed > 0) {
      const reasons = (output.Entries ?? [])
        .filter((entry) => entry.ErrorCode !== undefined)
        .map((entry) => `${entry.ErrorCode}: ${entry.ErrorMessage ?? ''}`.trim());
      throw new InfrastructureError(
        `EventBridge PutEvents refused ${failed} of ${entries.length} event(s): ${reasons.join('; ') || 'no reason given'}`,
        { operation: 'EventBridge PutEvents', retryable: true },
      );
    }
  }
}
