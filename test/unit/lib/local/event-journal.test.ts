import { mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventJournal,
  readEventJournal,
  rotatedEventJournalPath,
  type JournaledEvent,
} from '../../../../lib/local/event-journal';
import { JournalClosedError } from '../../../../lib/local/group-commit-writer';

const folders: string[] = [];
function journalFile(): string {
  const folder = mkdtempSync(join(tmpdir(), 'event-journal-'));
  folders.push(folder);
  return join(folder, 'events.jsonl');
}

afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function event(n: number, overrides: Partial<JournaledEvent> = {}): JournaledEvent {
  return {
    id: `id-${n}`,
    time: new Date(Date.UTC(2026, 11, 1, 0, n)).toISOString(),
    source: 'com.example.support',
    detailType: 'Outcome Recorded',
    eventBusName: 'outcome-engine',
    detail: { outcomeId: `o-${n}` },
    ...overrides,
  };
}

describe('EventJournal', () => {
  it('keeps every appended event once, in order, across a reopen', async () => {
    const filePath = journalFile();
    const journal = await EventJournal.open({ filePath });
    await Promise.all([journal.append([event(1), event(2)]), journal.append([event(3)])]);
    await journal.close();
    const reopened = await EventJournal.open({ filePath });
    await reopened.append([event(4)]);
    await reopened.close();
    const { events, damagedLines } = await readEventJournal(filePath);
    expect(events.map((e) => e.id)).toEqual(['id-1', 'id-2', 'id-3', 'id-4']);
    expect(damagedLines).toBe(0);
  });

  it('filters by detail-type, source and time, and limits to the latest n', async () => {
    const filePath = journalFile();
    const journal = await EventJournal.open({ filePath });
    await journal.append([
      event(1),
      event(2, { source: 'outcome-engine', detailType: 'Outcome Rejected' }),
      event(3),
      event(4, { source: 'outcome-engine', detailType: 'Invoice Issued' }),
      event(5, { source: 'outcome-engine', detailType: 'Outcome Rejected' }),
    ]);
    await journal.close();
    const ids = async (filter: Parameters<typeof readEventJournal>[1]) => (await readEventJournal(filePath, filter)).events.map((e) => e.id);
    expect(await ids({ detailType: 'Outcome Rejected' })).toEqual(['id-2', 'id-5']);
    expect(await ids({ source: 'outcome-engine' })).toEqual(['id-2', 'id-4', 'id-5']);
    expect(await ids({ since: new Date(Date.UTC(2026, 11, 1, 0, 3)) })).toEqual(['id-3', 'id-4', 'id-5']);
    expect(await ids({ limit: 2 })).toEqual(['id-4', 'id-5']);
    expect(await ids({ source: 'com.example.support', limit: 1 })).toEqual(['id-3']);
    expect(await ids({ detailType: 'Nothing Like It' })).toEqual([]);
  });

  it('rotates past its size cap, keeping the newest events in at most two files', async () => {
    const filePath = journalFile();
    const journal = await EventJournal.open({ filePath, maxFileBytes: 1_000 });
    for (let n = 1; n <= 60; n += 1) await journal.append([event(n)]);
    await journal.close();
    expect(existsSync(rotatedEventJournalPath(filePath))).toBe(true);
    const total = readFileSync(filePath).length + readFileSync(rotatedEventJournalPath(filePath)).length;
    expect(total).toBeLessThan(2 * 1_000 + 400);
    const { events } = await readEventJournal(filePath);
    const ids = events.map((e) => e.id);
    expect(ids.at(-1)).toBe('id-60');
    expect(ids.length).toBeLessThan(60);
    // What is kept is a contiguous, ordered run of the newest events.
    const first = Number(ids[0]!.slice(3));
    expect(ids).toEqual(Array.from({ length: 60 - first + 1 }, (_, i) => `id-${first + i}`));
  });

  it('skips a line a crash cut short and appends after it on a fresh line', async () => {
    const filePath = journalFile();
    writeFileSync(filePath, `${JSON.stringify(event(1))}\n`);
    appendFileSync(filePath, '{"id":"id-2","ti');
    const journal = await EventJournal.open({ filePath });
    await journal.append([event(3)]);
    await journal.close();
    const { events, damagedLines } = await readEventJournal(filePath);
    expect(events.map((e) => e.id)).toEqual(['id-1', 'id-3']);
    expect(damagedLines).toBe(1);
  });

  it('starts empty when asked (an in-memory engine), and refuses appends once closed', async () => {
    const filePath = journalFile();
    writeFileSync(filePath, `${JSON.stringify(event(1))}\n`);
    const journal = await EventJournal.open({ filePath, startEmpty: true });
    await journal.append([event(2)]);
    await journal.close();
    expect((await readEventJournal(filePath)).events.map((e) => e.id)).toEqual(['id-2']);
    await expect(journal.append([event(3)])).rejects.toMatchObject({ constructor: JournalClosedError, code: 'event_journal_closed' });
  });

  it('journals an event whose detail is nested too deep to write, with a note instead of the detail', async () => {
    const filePath = journalFile();
    const journal = await EventJournal.open({ filePath });
    let deep: Record<string, unknown> = {};
    for (let level = 0; level < 40_000; level += 1) deep = { nested: deep };
    await journal.append([event(1, { detail: deep }), event(2)]);
    await journal.close();
    const { events } = await readEventJournal(filePath);
    expect(events.map((e) => e.id)).toEqual(['id-1', 'id-2']);
    expect(String(events[0]!.detail['detailNotJournaled'])).toContain('nested too deep');
  });
});
