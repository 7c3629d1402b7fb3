// A CLI command as a module: its flags, its help line, and what it does with the engine. Commands
// live in cli-<domain>.ts files and are listed in cli.ts.
import type { ParseArgsConfig } from 'node:util';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/contract';
import type { Engine } from '../core/engine-api';

export type CliValues = Record<string, string | boolean | Array<string | boolean> | undefined>;

export interface CliContext {
  engine: Engine;
  values: CliValues;
  positionals: string[];
  json: boolean;
  dataDir: string;
  /** Calls the engine; a failure becomes a one-line message and exit code 1. */
  call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>>;
  out(line: string): void;
  printJson(value: unknown): void;
  /** Asks for a password on the terminal (hidden), or fails if there is no terminal. */
  askPassword(question?: string): Promise<string>;
  /** Lets the engine's credential store ask on the terminal during this command. */
  allowPasswordPrompt(): void;
}

export interface CliCommand {
  name: string;
  /** Usage lines for --help, already indented as the help text wants them. */
  help: string;
  options?: NonNullable<ParseArgsConfig['options']>;
  /** Whether the engine should be created as a long-running server host. */
  server?: boolean;
  run(ctx: CliContext): Promise<number>;
}

export class UsageError extends Error {}
export class Failure extends Error {}
