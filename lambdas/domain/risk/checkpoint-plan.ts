import { createHash } from 'node:crypto';
import { DateTime } from 'luxon';
import { z } from 'zod';
import { CheckpointPlanError } from './risk-errors';
import { instant } from './risk-values';
import { InstantSchema, LocalDateSchema, TimeZoneSchema } from '../periods/time-schemas';

/** Days before term end at which renewal risk is checked unless a plan or contract says otherwise. */
export const DEFAULT_CHECKPOINT_DAYS = [180, 120, 90, 60, 30] as const;

/** EventBridge Scheduler: names are 1..64 characters of [0-9a-zA-Z-_.]. */
export const SCHEDULE_NAME_MAX_LENGTH = 64;
const SCHEDULE_NAME_CHARS = /^[0-9A-Za-z_.-]+$/;
// Ids that use only these characters are written out; the dot is the separator,
// so "a-b"+"c" and "a"+"b-c" can never produce the same name.
const READABLE_ID = /^[0-9A-Za-z_-]+$/;

/**
 * Days before term end at which renewal risk is checked: whole days, each
 * listed once. Plans and contracts use it for `renewalCheckpointsDays`.
 */
export const CheckpointDaysSchema = z
  .array(
    z
      .int({ error: 'expected a whole number of days before term end, e.g. 90' })
      .min(1, { error: 'a checkpoint is at least 1 day before term end' })
      .max(3660, { error: 'a checkpoint is at most 3660 days (about ten years) before term end' }),
    { error: 'expected a list of days before term end, e.g. [120, 90, 60, 30]' },
  )
  .min(1, { error: 'expected at least one checkpoint' })
  .max(12, { error: 'expected at most 12 checkpoints per term' })
  .superRefine((days, ctx) => {
    const seen = new Set<number>();
    days.forEach((day, index) => {
      if (seen.has(day)) ctx.addIssue({ code: 'custom', path: [index], message: `checkpoint ${day} days is listed twice; each checkpoint once` });
      seen.add(day);
    });
  });

export const LocalTimeOfDaySchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { error: 'expected a local time HH:mm, e.g. 09:00' });

export const PlanRenewalCheckpointsInputSchema = z.strictObject({
  contractId: z.string().min(1).max(128),
  termId: z.string().min(1).max(128),
  /** First local day after the term (exclusive), as on the contract. */
  termEnd: LocalDateSchema,
  timeZone: TimeZoneSchema,
  checkpointsDays: CheckpointDaysSchema.default([...DEFAULT_CHECKPOINT_DAYS]),
  /** Local wall-clock time the check runs on its day: early in the CSM's working day. */
  localTime: LocalTimeOfDaySchema.default('09:00'),
  now: InstantSchema,
  catchUp: z
    .strictObject({
      enabled: z.boolean().default(true),
      /** The catch-up check runs this long after planning (never at a past instant). */
      delayMinutes: z.int().min(1).max(1440).default(5),
      /** No catch-up when a regular checkpoint is this close anyway. */
      skipIfNextWithinDays: z.int().min(0).max(365).default(7),
    })
    .prefault({}),
});
export type PlanRenewalCheckpointsInput = z.input<typeof PlanRenewalCheckpointsInputSchema>;

export interface PlannedCheckpoint {
  readonly checkpointDays: number;
  /** The nominal local day of the checkpoint (termEnd minus checkpointDays). */
  readonly checkpointDate: string;
  /** When the check fires, UTC ISO. */
  readonly fireAt: string;
  /** The same instant as local wall-clock time in the contract's zone: what `at(...)` takes. */
  readonly localFireTime: string;
  readonly timeZone: string;
  readonly scheduleName: string;
  /** True for the one check planned "now" for a checkpoint that already passed. */
  readonly catchUp: boolean;
}

export interface SkippedCheckpoint {
  readonly checkpointDays: number;
  readonly checkpointDate: string;
  readonly reason: 'passed' | 'term_ended' | 'next_checkpoint_soon';
}

export interface RenewalCheckpointPlan {
  readonly contractId: string;
  readonly termId: string;
  readonly timeZone: string;
  /** Ordered by fireAt. */
  readonly checkpoints: readonly PlannedCheckpoint[];
  readonly skipped: readonly SkippedCheckpoint[];
}

function shortHash(text: string, length: number): string {
  return createHash('sha256').update(text).digest('hex').slice(0, length);
}

/**
 * Deterministic EventBridge Scheduler name for (contract, term, checkpoint), so
 * re-planning finds the same schedule instead of adding one. Readable when the
 * ids allow (`rr.acme.2026.90d`); otherwise a readable prefix plus a SHA-256 of
 * both ids (`rr.h.acme-corp-lo.3f2a...90d`), which stays unique and within 64
 * characters.
 */
export function checkpointScheduleName(contractId: string, termId: string, checkpointDays: number): string {
  const suffix = `${checkpointDays}d`;
  const readable = `rr.${contractId}.${termId}.${suffix}`;
  if (READABLE_ID.test(contractId) && READABLE_ID.test(termId) && readable.length <= SCHEDULE_NAME_MAX_LENGTH) {
    return readable;
  }
  const hash = shortHash(`${contractId}\u0000${termId}`, 24);
  const prefix = contractId.replace(/[^0-9A-Za-z_-]/g, '_').slice(0, SCHEDULE_NAME_MAX_LENGTH - 6 - hash.length - suffix.length - 3);
  const name = `rr.h.${prefix}.${hash}.${suffix}`;
  if (!SCHEDULE_NAME_CHARS.test(name) || name.length > SCHEDULE_NAME_MAX_LENGTH) {
    throw new CheckpointPlanError('schedule_name_invalid', `could not derive a schedule name for ${contractId}/${termId}`);
  }
  return name;
}

/** `yyyy-MM-ddTHH:mm:ss` in the zone: the form EventBridge Scheduler's at() expects. */
function localWallClock(at: DateTime, timeZone: string): string {
  return at.setZone(timeZone).toFormat("yyyy-MM-dd'T'HH:mm:ss");
}

/**
 * Plans the renewal-risk checks of one contract term: one per checkpoint at
 * `localTime` on the local day `checkpointDays` before term end, in the
 * contract's zone (so 09:00 stays 09:00 across DST changes; a local time that
 * a DST change skips moves forward to the first valid time).
 *
 * Only future checks are planned. A term planned inside its window (a contract
 * signed or migrated 45 days before term end) gets ONE catch-up check shortly
 * after `now` for the most recent checkpoint that passed (60 days), plus the
 * future ones (30 days), instead of a burst of every past checkpoint. The
 * catch-up is skipped when the next regular checkpoint is within
 * `skipIfNextWithinDays` anyway.
 */
export function planRenewalCheckpoints(input: PlanRenewalCheckpointsInput): RenewalCheckpointPlan {
  const parsed = PlanRenewalCheckpointsInputSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CheckpointPlanError(
      'invalid_checkpoint_request',
      `invalid checkpoint request at ${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'}`,
      { cause: parsed.error },
    );
  }
  const { contractId, termId, termEnd, timeZone, localTime, catchUp } = parsed.data;
  const now = instant(parsed.data.now);
  const [hour, minute] = localTime.split(':').map(Number) as [number, number];
  const termEndStart = DateTime.fromISO(termEnd, { zone: timeZone }).startOf('day');

  const future: PlannedCheckpoint[] = [];
  const skipped: SkippedCheckpoint[] = [];
  const passed: { checkpointDays: number; checkpointDate: string }[] = [];

  const days = [...parsed.data.checkpointsDays].sort((a, b) => b - a);
  for (const checkpointDays of days) {
    const day = termEndStart.minus({ days: checkpointDays });
    const checkpointDate = day.toISODate() ?? '';
    // Built from calendar fields so luxon resolves the wall-clock time in the zone (DST-correct).
    const fireLocal = DateTime.fromObject(
      { year: day.year, month: day.month, day: day.day, hour, minute },
      { zone: timeZone },
    );
    if (fireLocal.toMillis() > now.toMillis()) {
      future.push({
        checkpointDays,
        checkpointDate,
        fireAt: fireLocal.toUTC().toISO({ suppressMilliseconds: false }) ?? '',
        localFireTime: localWallClock(fireLocal, timeZone),
        timeZone,
        scheduleName: checkpointScheduleName(contractId, termId, checkpointDays),
        catchUp: false,
      });
    } else {
      passed.push({ checkpointDays, checkpointDate });
    }
  }

  const termOver = now.toMillis() >= termEndStart.toMillis();
  const latestPassed = passed[passed.length - 1];
  const checkpoints = [...future];
  for (const checkpoint of passed) {
    if (termOver) {
      skipped.push({ ...checkpoint, reason: 'term_ended' });
      continue;
    }
    if (checkpoint !== latestPassed || !catchUp.enabled) {
      skipped.push({ ...checkpoint, reason: 'passed' });
      continue;
    }
    const fireAt = now.plus({ minutes: catchUp.delayMinutes }).startOf('second');
    const nextRegular = future[0];
    const nextSoon =
      nextRegular !== undefined &&
      instant(nextRegular.fireAt).toMillis() - now.toMillis() <= catchUp.skipIfNextWithinDays * 86_400_000;
    if (nextSoon || fireAt.toMillis() >= termEndStart.toMillis()) {
      skipped.push({ ...checkpoint, reason: 'next_checkpoint_soon' });
      continue;
    }
    checkpoints.unshift({
      ...checkpoint,
      fireAt: fireAt.toISO() ?? '',
      localFireTime: localWallClock(fireAt, timeZone),
      timeZone,
      scheduleName: checkpointScheduleName(contractId, termId, checkpoint.checkpointDays),
      catchUp: true,
    });
  }

  checkpoints.sort((a, b) => instant(a.fireAt).toMillis() - instant(b.fireAt).toMillis());
  return { contractId, termId, timeZone, checkpoints, skipped };
}

/** Every schedule name a term can have for the given checkpoint days (for deletion on cancellation or term change). */
export function checkpointScheduleNames(
  contractId: string,
  termId: string,
  checkpointsDays: readonly number[] = DEFAULT_CHECKPOINT_DAYS,
): string[] {
  return checkpointsDays.map((days) => checkpointScheduleName(contractId, termId, days));
}
