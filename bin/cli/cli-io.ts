// What a command may touch, passed in so tests run commands in-process and
// read exactly what a user would see on stdout and stderr.
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  /** The clock for defaults such as `--as-of` (now). */
  now: () => Date;
  /**
   * Commands against the running local engine take its clock instead of `now`
   * (moved by `clock advance`), so a walk through a term closes, previews and
   * checks at the engine's time. Off for in-process callers that pass a clock.
   */
  followLocalEngineClock?: boolean;
}

export const processIo: CliIo = {
  out: (text) => process.stdout.write(text.endsWith('\n') ? text : `${text}\n`),
  err: (text) => process.stderr.write(text.endsWith('\n') ? text : `${text}\n`),
  env: process.env,
  now: () => new Date(),
  followLocalEngineClock: true,
};

/** A user-facing failure: its message is printed as is, without a stack. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

/** Machine-readable output: JSON only, one document. */
export function printJson(io: CliIo, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}
