// The command line loads only the module of the command it runs; the root
// help lists the others from COMMANDS. These tests hold that table to the
// commands the modules define, so a changed description or option shows up
// here rather than as a stale line in `--help`.
import { Help } from 'commander';
import { describe, expect, it } from 'vitest';
import type { CliIo } from '../../../../bin/cli/cli-io';
import { COMMANDS, createProgram, requestedCommand, runCli } from '../../../../bin/cli/program';

function captureIo(): { io: CliIo; output: () => string } {
  let out = '';
  return { io: { out: (text) => (out += text), err: (text) => (out += text), env: {}, now: () => new Date('2026-11-20T12:00:00Z') }, output: () => out };
}

describe('lazily loaded commands', () => {
  it('lists every command in the root help exactly as the fully loaded program does', async () => {
    const { io, output } = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    const full = await createProgram(captureIo().io, [], { loadAll: true });
    expect(output()).toBe(full.helpInformation());
  });

  it('has one table entry per command the modules define, with its help line and description', async () => {
    const full = await createProgram(captureIo().io, [], { loadAll: true });
    const help = new Help();
    const defined = full.commands.map((command) => ({ name: command.name(), term: help.subcommandTerm(command), description: command.description() }));
    expect(defined).toEqual(COMMANDS.map(({ name, term, description }) => ({ name, term, description })));
  });

  it('finds the command after global options and their values, and after `help`', () => {
    expect(requestedCommand(['--data-dir', 'usage', 'tasks', 'list'])?.name).toBe('tasks');
    expect(requestedCommand(['--endpoint=http://127.0.0.1:8000', 'invoice', 'explain'])?.name).toBe('invoice');
    expect(requestedCommand(['help', 'risk'])?.name).toBe('risk');
    expect(requestedCommand(['--help'])).toBeUndefined();
    expect(requestedCommand(['no-such-command'])).toBeUndefined();
  });

  it('runs a command whose module it loaded, and refuses an unknown one with the usual message', async () => {
    const known = captureIo();
    expect(await runCli(['invoice', '--help'], known.io)).toBe(0);
    expect(known.output()).toContain('explain [options]');
    const unknown = captureIo();
    expect(await runCli(['no-such-command'], unknown.io)).toBe(1);
    expect(unknown.output()).toContain("unknown command 'no-such-command'");
  });
});
