// What every command module receives: the I/O and a way to reach the ledger
// with the global connection options.
import type { Command } from 'commander';
import type { LedgerService } from '../../lambdas/composition/ledger-service';
import type { CliIo } from './cli-io';
import type { Connection, GlobalOptions } from './connection';

export interface CommandContext {
  io: CliIo;
  /** Global options as parsed (the root command's). */
  globalOptions: () => GlobalOptions;
  /** Runs `work` with a ledger service for the resolved connection and releases it afterwards. */
  withLedger: <T>(work: (service: LedgerService, connection: Connection) => Promise<T>) => Promise<T>;
}

export function createCommandContext(program: Command, callerIo: CliIo): CommandContext {
  const globalOptions = () => program.opts<GlobalOptions>();
  // A copy, so the local engine's clock can replace `now` for this run only.
  const io: CliIo = { ...callerIo };
  // The connection code (and the AWS SDK with it) loads when a command runs, not for `--help`.
  program.hook('preAction', async () => (await import('./local-engine-clock')).followLocalEngineClock(io, globalOptions()));
  return {
    io,
    globalOptions,
    withLedger: async (work) => {
      const { openLedger, resolveConnection } = await import('./connection');
      const connection = await resolveConnection(globalOptions(), io);
      // Read through io.now at each call: it follows the local engine's clock once the preAction hook set it.
      const ledger = openLedger(connection, () => io.now());
      try {
        return await work(ledger.service, connection);
      } finally {
        ledger.close();
      }
    },
  };
}

/** A command module adds its command (and subcommands) to the program. */
export type RegisterCommand = (program: Command, context: CommandContext) => void;
