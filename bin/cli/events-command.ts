// outcome-engine events: the local engine's event journal, every event its bus
// accepted (producers' outcomes and the engine's own alerts and invoices).
// Reads <data-dir>/events.jsonl; needs no running engine and no DynamoDB.
import { eventJournalPath, resolveDataDir } from '../../lib/local/engine-state';
import { readEventJournal, type JournaledEvent } from '../../lib/local/event-journal';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';
import { parseLimit } from './rejected-command';
import { parseInstant } from './time-range';

interface EventsOptions {
  detailType?: string;
  source?: string;
  since?: string;
  limit: number;
  json?: boolean;
}

export function formatEvents(events: readonly JournaledEvent[]): string {
  if (events.length === 0) return 'No events match in the local event journal.\n';
  return formatTable(
    [
      { header: 'TIME', value: (e: JournaledEvent) => e.time },
      { header: 'SOURCE', value: (e) => e.source, maxWidth: 28 },
      { header: 'DETAIL TYPE', value: (e) => e.detailType, maxWidth: 32 },
      { header: 'ID', value: (e) => e.id },
      { header: 'DETAIL', value: (e) => JSON.stringify(e.detail), maxWidth: 80 },
    ],
    events,
  );
}

export const registerEventsCommand: RegisterCommand = (program, context) => {
  program
    .command('events')
    .description("List the events the local engine's bus accepted (its event journal), oldest first")
    .option('--detail-type <type>', 'only this detail-type, e.g. "Invoice Issued"')
    .option('--source <source>', 'only this source, e.g. outcome-engine')
    .option('--since <instant>', 'event time at or after, ISO 8601 with offset')
    .option('--limit <n>', 'the latest n matching events', parseLimit, 100)
    .option('--json', 'print JSON only')
    .action(async (options: EventsOptions) => {
      const since = options.since !== undefined ? parseInstant(options.since, '--since') : undefined;
      const dataDir = resolveDataDir(context.globalOptions().dataDir ?? context.io.env.OUTCOME_ENGINE_DATA_DIR);
      const { events, damagedLines } = await readEventJournal(eventJournalPath(dataDir), {
        ...(options.detailType !== undefined ? { detailType: options.detailType } : {}),
        ...(options.source !== undefined ? { source: options.source } : {}),
        ...(since ? { since } : {}),
        limit: options.limit,
      });
      if (damagedLines > 0) context.io.err(`${damagedLines} damaged line(s) in the event journal were skipped\n`);
      if (options.json) printJson(context.io, events);
      else context.io.out(formatEvents(events));
    });
};
