// The `modelshelf` command: the same engine as the app, for scripts and servers. Commands, flags and
// --json shapes are a public interface (documented in README.md): change them only by adding.
// Each command lives in a cli-<domain>.ts module; this file parses arguments and runs one.
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { CredentialStore } from '../core/engine-api';
import { createEngine, ENGINE_VERSION } from '../core/engine';
import { withKeyring } from '../core/nas/keyring-credentials';
import { defaultDataDir } from '../core/paths';
import { coreCommands } from './cli-core';
import { exportCommands } from './cli-export';
import { libraryCommands } from './cli-library';
import { nasCommands } from './cli-nas';
import { type CliCommand, type CliContext, type CliValues, Failure, UsageError } from './cli-types';
import { canPrompt, promptHidden } from './prompt';

const COMMANDS: CliCommand[] = [...coreCommands, ...libraryCommands, ...nasCommands, ...exportCommands];

function usage(): string {
  return `Usage: modelshelf <command> [options]

Commands:
${COMMANDS.map((c) => c.help).join('\n')}

Options for every command:
  --data-dir DIR                Where the catalog lives (default: MODELSHELF_HOME or your app data folder).
  -h, --help                    Show this help.   --version   Show the version.

Exit codes: 0 ok, 1 failure (one-line reason on stderr), 2 usage error.`;
}

/** Passwords for the CLI: MODELSHELF_PASSWORD, else asked on the terminal when a command allows it. */
function cliCredentials(): CredentialStore & { allowPrompt: boolean } {
  const remembered = new Map<number, string>();
  const store = {
    allowPrompt: false,
    async get(id: number) {
      const fromEnv = process.env.MODELSHELF_PASSWORD;
      if (fromEnv !== undefined) return fromEnv;
      const known = remembered.get(id);
      if (known !== undefined) return known;
      if (!store.allowPrompt || !canPrompt()) return null;
      const pw = await promptHidden('Password: ');
      remembered.set(id, pw);
      return pw;
    },
    async set(id: number, pw: string) {
      remembered.set(id, pw);
    },
    async delete(id: number) {
      remembered.delete(id);
    },
  };
  return store;
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  const out = (line: string) => process.stdout.write(`${line}\n`);
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    out(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version') {
    out(ENGINE_VERSION);
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) throw new UsageError(`Unknown command "${name}".`);
  const common: NonNullable<ParseArgsConfig['options']> = {
    'data-dir': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
    json: { type: 'boolean' },
  };
  let parsed: { values: CliValues; positionals: string[] };
  try {
    parsed = parseArgs({ args: rest, options: { ...common, ...command.options }, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  if (parsed.values.help) {
    out(command.help);
    return 0;
  }
  const dataDir = typeof parsed.values['data-dir'] === 'string' ? path.resolve(parsed.values['data-dir']) : defaultDataDir();
  const credentials = withKeyring(cliCredentials()); // OS keychain first, else env / prompt
  const engine = await createEngine({ dataDir, credentials, host: command.server ? 'browser' : 'cli' });
  const ctx: CliContext = {
    engine,
    values: parsed.values,
    positionals: parsed.positionals,
    json: parsed.values.json === true,
    dataDir,
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
      const r = await engine.call(method, input);
      if (!r.ok) throw new Failure(r.error.message);
      return r.value as MethodOutput<M>;
    },
    out,
    printJson: (value) => process.stdout.write(`${JSON.stringify(value, null, 2)}\n`),
    async askPassword(question = 'Password: ') {
      if (!canPrompt()) throw new Failure('A password is needed: set MODELSHELF_PASSWORD or run in a terminal.');
      return promptHidden(question);
    },
    allowPasswordPrompt() {
      credentials.allowPrompt = true;
    },
  };
  try {
    return await command.run(ctx);
  } finally {
    await engine.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`modelshelf: ${err.message}\nRun "modelshelf --help" for usage.\n`);
      process.exitCode = 2;
    } else {
      const msg = err instanceof Error ? err.message : String(err);
      process.stderr.write(`modelshelf: ${msg.split('\n')[0]}\n`);
      process.exitCode = 1;
    }
  },
);
