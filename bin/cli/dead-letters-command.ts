// outcome-engine dead-letters: messages the local engine gave up on after
// their retries (infrastructure failures, never bad input: that is rejected
// and stored). Reads <data-dir>/dead-letters.jsonl; needs no running engine.
import type { DeadLetter } from '../../lib/local/dead-letter-store';
import { readDeadLetters } from '../../lib/local/dead-letter-store';
import { deadLetterFilePath, resolveDataDir } from '../../lib/local/engine-state';
import { printJson } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';

function outcomeIdOf(body: string): string {
  try {
    const outcomeId = (JSON.parse(body) as { detail?: { outcomeId?: unknown } }).detail?.outcomeId;
    return typeof outcomeId === 'string' ? outcomeId : '-';
  } catch {
    return '-';
  }
}

export function formatDeadLetters(letters: readonly DeadLetter[]): string {
  if (letters.length === 0) return 'The local dead-letter queue is empty.\n';
  return formatTable(
    [
      { header: 'DEAD-LETTERED AT', value: (l: DeadLetter) => l.deadLetteredAt },
      { header: 'QUEUE', value: (l) => l.queue },
      { header: 'MESSAGE', value: (l) => l.messageId },
      { header: 'RECEIVES', value: (l) => String(l.receiveCount), align: 'right' },
      { header: 'OUTCOME', value: (l) => outcomeIdOf(l.body), maxWidth: 40 },
      { header: 'LAST ERROR', value: (l) => l.lastError ?? '-', maxWidth: 80 },
    ],
    letters,
  );
}

export const registerDeadLettersCommand: RegisterCommand = (program, context) => {
  program
    .command('dead-letters')
    .description("List the local engine's dead-letter queue")
    .option('--json', 'print JSON only (bodies included)')
    .action(async (options: { json?: boolean }) => {
      const dataDir = resolveDataDir(context.globalOptions().dataDir ?? context.io.env.OUTCOME_ENGINE_DATA_DIR);
      const letters = await readDeadLetters(deadLetterFilePath(dataDir));
      if (options.json) printJson(context.io, letters);
      else context.io.out(formatDeadLetters(letters));
    });
};
