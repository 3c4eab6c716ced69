// Turns `--period 2026-11` (or a day, quarter or year) in a time zone, or an
// explicit `--from`/`--to`, into the half-open occurredAt range the ledger
// queries: [from, to).
import { DateTime } from 'luxon';
import { isValidTimeZone } from '../../lambdas/domain/periods/local-date';
import { InstantSchema } from '../../lambdas/domain/periods/time-schemas';
import { CliError } from './cli-io';

export interface TimeRange {
  from: Date;
  to: Date;
}

export function parseInstant(text: string, flag: string): Date {
  // An instant needs an explicit offset; a bare date or local time would depend on this machine's zone.
  const checked = InstantSchema.safeParse(text);
  if (!checked.success) throw new CliError(`${flag}: ${checked.error.issues[0]?.message ?? 'invalid instant'} (got "${text}")`, 'invalid_input');
  return DateTime.fromISO(checked.data, { setZone: true }).toJSDate();
}

export function assertTimeZone(zone: string): string {
  if (!isValidTimeZone(zone)) throw new CliError(`--time-zone "${zone}" is not an IANA time zone such as UTC or Europe/Berlin`, 'invalid_input');
  return zone;
}

/** A calendar period: YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD, starting at local midnight in `zone`. */
export function periodRange(period: string, zone: string): TimeRange {
  assertTimeZone(zone);
  const start = (year: number, month = 1, day = 1) => DateTime.fromObject({ year, month, day }, { zone });
  let from: DateTime;
  let to: DateTime;
  let match: RegExpExecArray | null;
  if ((match = /^(\d{4})$/.exec(period))) {
    from = start(Number(match[1]));
    to = from.plus({ years: 1 });
  } else if ((match = /^(\d{4})-Q([1-4])$/i.exec(period))) {
    from = start(Number(match[1]), (Number(match[2]) - 1) * 3 + 1);
    to = from.plus({ months: 3 });
  } else if ((match = /^(\d{4})-(\d{2})$/.exec(period))) {
    from = start(Number(match[1]), Number(match[2]));
    to = from.plus({ months: 1 });
  } else if ((match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(period))) {
    from = start(Number(match[1]), Number(match[2]), Number(match[3]));
    to = from.plus({ days: 1 });
  } else {
    throw new CliError(`--period must be YYYY, YYYY-Qn, YYYY-MM or YYYY-MM-DD (got "${period}")`, 'invalid_input');
  }
  if (!from.isValid) throw new CliError(`--period "${period}" is not a real date`, 'invalid_input');
  return { from: from.toJSDate(), to: to.toJSDate() };
}

/** Exactly one of --period or --from/--to, validated. */
export function resolveTimeRange(options: { period?: string; from?: string; to?: string; timeZone?: string }): TimeRange {
  if (options.period !== undefined) {
    if (options.from !== undefined || options.to !== undefined) {
      throw new CliError('give either --period or --from/--to, not both', 'invalid_input');
    }
    return periodRange(options.period, options.timeZone ?? 'UTC');
  }
  if (options.from === undefined || options.to === undefined) {
    throw new CliError('give --period (e.g. 2026-11) or both --from and --to', 'invalid_input');
  }
  const range = { from: parseInstant(options.from, '--from'), to: parseInstant(options.to, '--to') };
  if (range.to.getTime() <= range.from.getTime()) throw new CliError('--to must be after --from', 'invalid_input');
  return range;
}
