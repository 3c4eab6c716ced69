// outcome-engine clock show | advance <duration>: move the running local
// engine's clock; renewal checkpoints that fall due fire, each at its time.
import { engineStatePath, resolveDataDir } from '../../lib/local/engine-state';
import { CliError, printJson, type CliIo } from './cli-io';
import type { RegisterCommand } from './command-context';
import { formatTable } from './format';
import { localEngineClockUrl } from './local-engine-clock';

interface FiredView {
  scheduleName: string;
  fireAt: string;
  result?: { outcome: string; tier?: string; score?: number; action?: string; taskId?: string; why?: string };
  error?: string;
}

interface ClockView {
  now: string;
  pendingChecks: { scheduleName: string; fireAt: string; contractId: string; checkpointDays: number }[];
  fired?: FiredView[];
}

async function clockUrl(io: CliIo, dataDirOption: string | undefined, explicit: string | undefined): Promise<string> {
  if (explicit) return explicit.replace(/\/$/, '');
  const url = await localEngineClockUrl(dataDirOption, io);
  if (!url) {
    const file = engineStatePath(resolveDataDir(dataDirOption ?? io.env.OUTCOME_ENGINE_DATA_DIR));
    throw new CliError(`No local engine clock is running (no running engine with a clock in ${file}). Start the engine with \`npm start\`, or give --url.`, 'infrastructure');
  }
  return url;
}

async function call(url: string, init?: RequestInit): Promise<ClockView> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    throw new CliError(`the local engine clock at ${url} could not be reached: ${error instanceof Error ? error.message : String(error)}`, 'infrastructure', { cause: error });
  }
  const body = (await response.json()) as ClockView & { code?: string; message?: string };
  if (!response.ok) throw new CliError(`${body.message ?? `clock request failed (${response.status})`}${body.code ? ` [${body.code}]` : ''}`, response.status === 400 ? 'invalid_input' : 'infrastructure');
  return body;
}

export function formatClock(view: ClockView): string {
  const lines = [`now  ${view.now}\n`];
  if (view.fired) {
    lines.push(`\nfired ${view.fired.length} check(s)\n`);
    if (view.fired.length > 0) {
      lines.push(
        formatTable(
          [
            { header: 'CHECK', value: (f: FiredView) => f.scheduleName },
            { header: 'AT', value: (f) => f.fireAt },
            { header: 'TIER', value: (f) => (f.result?.tier ? `${f.result.tier} (${f.result.score})` : '-') },
            { header: 'TASK', value: (f) => (f.error ? `failed: ${f.error}` : `${f.result?.action ?? '-'}${f.result?.why ? ` (${f.result.why})` : ''}`), maxWidth: 60 },
          ],
          view.fired,
        ),
      );
    }
  }
  lines.push(`\npending checks: ${view.pendingChecks.length}\n`);
  if (view.pendingChecks.length > 0) {
    lines.push(
      formatTable(
        [
          { header: 'CHECK', value: (p: ClockView['pendingChecks'][number]) => p.scheduleName },
          { header: 'FIRES AT', value: (p) => p.fireAt },
        ],
        view.pendingChecks,
      ),
    );
  }
  return lines.join('');
}

export const registerClockCommand: RegisterCommand = (program, context) => {
  const clock = program.command('clock').description('The local engine\'s clock: show it, move it forward (fires due renewal checks)');
  const dataDir = () => program.opts<{ dataDir?: string }>().dataDir;
  clock
    .command('show')
    .description('The local clock and the renewal checks still to fire')
    .option('--url <url>', 'the clock endpoint (default: from the running engine)')
    .option('--json', 'print JSON only')
    .action(async (options: { url?: string; json?: boolean }) => {
      const view = await call(`${await clockUrl(context.io, dataDir(), options.url)}/_local/clock`);
      if (options.json) printJson(context.io, view);
      else context.io.out(formatClock(view));
    });
  clock
    .command('advance')
    .description('Move the clock forward, e.g. `clock advance 30d` (m, h, d, w), or to an instant with --to')
    .argument('[duration]', 'how far: 30d, 12h, 90m, 2w, 1d12h')
    .option('--to <instant>', 'move to this instant (ISO 8601 with offset)')
    .option('--url <url>', 'the clock endpoint (default: from the running engine)')
    .option('--json', 'print JSON only')
    .action(async (duration: string | undefined, options: { to?: string; url?: string; json?: boolean }) => {
      if ((duration === undefined) === (options.to === undefined)) throw new CliError('give either a duration (e.g. 30d) or --to <instant>', 'invalid_input');
      const body = duration !== undefined ? { by: duration } : { to: options.to };
      const view = await call(`${await clockUrl(context.io, dataDir(), options.url)}/_local/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      if (options.json) printJson(context.io, view);
      else context.io.out(formatClock(view));
    });
};
