import { z } from 'zod';
import type { PlannedCheckpoint } from './checkpoint-plan';
import { InstantSchema } from '../periods/time-schemas';

/**
 * What a fired checkpoint schedule hands the check function. Versioned, so a
 * schedule created by an older release still parses after a deploy.
 */
export const RenewalCheckpointPayloadSchema = z.strictObject({
  schemaVersion: z.literal(1),
  contractId: z.string().min(1).max(128),
  termId: z.string().min(1).max(128),
  checkpointDays: z.int().min(0).max(3660),
  /** When the schedule was planned to fire (UTC ISO). */
  scheduledFor: InstantSchema,
  catchUp: z.boolean(),
});
export type RenewalCheckpointPayload = z.infer<typeof RenewalCheckpointPayloadSchema>;

export function checkpointPayload(contractId: string, termId: string, checkpoint: PlannedCheckpoint): RenewalCheckpointPayload {
  return {
    schemaVersion: 1,
    contractId,
    termId,
    checkpointDays: checkpoint.checkpointDays,
    scheduledFor: checkpoint.fireAt,
    catchUp: checkpoint.catchUp,
  };
}
