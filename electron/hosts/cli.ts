// The `modelshelf` command: the same engine as the app, for scripts and servers. Commands, flags and
// --json shapes are a public interface (documented in README.md): change them only by adding.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { LibraryItem, MethodInput, MethodName, MethodOutput, ScanProgress, Source } from '../../shared/contract';
import { formatBytes, formatCount } from '../../shared/format';
import type { CredentialStore, Engine } from '../core/engine-api';
import { createEngine, ENGINE_VERSION } from '../core/engine';
import { defaultDataDir } from '../core/paths';
import { canPrompt, promptHidden } from './prompt';
import { startServer } from './server';

const USAGE = `Usage: modelshelf <command> [options]

Commands:
  add <location> [--name N]     Add a share or folder and check that it can be read.
                                location: smb://[user@]host[:port]/share[/path], \\\\host\\share, or /local/folder
                                The password comes from MODELSHELF_PASSWORD or is asked for; never a flag.
  sources [--json]              List your sources.
  scan [source] [--json]        Index one source (id, name or address) or all of them.
                                Progress goes to stderr, the summary to stdout.
  ls [--json] [--kind model|dataset] [--query TEXT]
                                List the models and datasets in the catalog.
  serve [--port N] [--host 127.0.0.1] [--open] [--demo]
                                Run the app for a browser; prints the address with its access token.

Options for every command:
  --data-dir DIR                Where the catalog lives (default: MODELSHELF_HOME or your app data folder).
  -h, --help                    Show this help.   --version   Show the version.

Exit codes: 0 ok, 1 failure (one-line reason on stderr), 2 usage error.`;

class UsageError extends Error {}
class Failure extends Error {}

function out(line: string): void {
  process.stdout.write(`${line}\n`);
}

function json(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Passwords for the CLI: MODELSHELF_PASSWORD, else asked on the terminal when a command needs one. */
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

async function call<M extends MethodName>(engine: Engine, method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const r = await engine.call(method, input);
  if (!r.ok) throw new Failure(r.error.message);
  return r.value as MethodOutput<M>;
}

function findSource(sources: Source[], key: string): Source {
  const byId = /^\d+$/.test(key) ? sources.find((s) => s.id === Number(key)) : undefined;
  const hit = byId ?? sources.find((s) => s.name === key || s.url === key);
  if (!hit) throw new Failure(`No source matches "${key}". See: modelshelf sources`);
  return hit;
}

function progressLine(p: ScanProgress): string {
  const what = p.phase === 'listing' ? 'listing' : p.phase === 'reading' ? 'reading headers' : 'grouping';
  return `${what}: ${formatCount(p.folders)} folders, ${formatCount(p.files)} files, ${formatBytes(p.bytes)}, ${formatCount(p.rate)} files/s`;
}

function openInBrowser(url: string): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '', url]] : ['xdg-open', [url]];
  const child = spawn(cmd as string, args as string[], { stdio: 'ignore', detached: true });
  child.on('error', () => process.stderr.write(`Could not open a browser; open ${url} yourself.\n`));
  child.unref();
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help' || command === 'help') {
    out(USAGE);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    out(ENGINE_VERSION);
    return 0;
  }
  type Options = NonNullable<ParseArgsConfig['options']>;
  const common: Options = { 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } };
  const specific: Record<string, Options> = {
    add: { name: { type: 'string' } },
    sources: {},
    scan: {},
    ls: { kind: { type: 'string' }, query: { type: 'string' } },
    serve: { port: { type: 'string' }, host: { type: 'string' }, open: { type: 'boolean' }, demo: { type: 'boolean' } },
  };
  if (!Object.hasOwn(specific, command)) throw new UsageError(`Unknown command "${command}".`);
  let parsed: { values: Record<string, string | boolean | Array<string | boolean> | undefined>; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...common, ...specific[command] },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const dataDir = typeof values['data-dir'] === 'string' ? path.resolve(values['data-dir']) : defaultDataDir();
  const asJson = values.json === true;
  const credentials = cliCredentials();
  const engine = await createEngine({ dataDir, credentials, host: command === 'serve' ? 'browser' : 'cli' });
  try {
    switch (command) {
      case 'add': {
        if (positionals.length !== 1) throw new UsageError('add takes exactly one location.');
        const location = positionals[0] as string;
        let password: string | undefined = process.env.MODELSHELF_PASSWORD;
        if (password === undefined && /^(smb:|\\\\)/i.test(location)) {
          if (!canPrompt()) throw new Failure('This share needs a password: set MODELSHELF_PASSWORD or run in a terminal.');
          password = await promptHidden('Password: ');
        }
        const name = typeof values.name === 'string' ? values.name : undefined;
        const source = await call(engine, 'sources.add', { location, name, password });
        if (asJson) json(source);
        else out(`Added ${source.name} (${source.url}) as source ${source.id}. Next: modelshelf scan ${source.id}`);
        return 0;
      }
      case 'sources': {
        if (positionals.length > 0) throw new UsageError('sources takes no arguments.');
        const sources = await call(engine, 'sources.list', {});
        if (asJson) json(sources);
        else if (sources.length === 0) out('No sources yet. Add one: modelshelf add smb://user@nas/share');
        else
          for (const s of sources) {
            const when = s.lastScanAt ? new Date(s.lastScanAt).toISOString() : 'never indexed';
            out(`${s.id}\t${s.name}\t${s.url}\t${s.status}\t${formatCount(s.counts.files)} files\t${when}`);
          }
        return 0;
      }
      case 'scan': {
        if (positionals.length > 1) throw new UsageError('scan takes at most one source.');
        const sources = await call(engine, 'sources.list', {});
        const targets = positionals[0] !== undefined ? [findSource(sources, positionals[0])] : sources;
        if (targets.length === 0) throw new Failure('No sources to index. Add one: modelshelf add smb://user@nas/share');
        credentials.allowPrompt = true;
        const live = process.stderr.isTTY;
        let lastLine = 0;
        const off = engine.onEvent((e) => {
          if (e.event !== 'scan.progress') return;
          const p = e.payload as ScanProgress;
          if (live) process.stderr.write(`\r\x1b[K${progressLine(p)}`);
          else if (Date.now() - lastLine > 2000) {
            lastLine = Date.now();
            process.stderr.write(`${progressLine(p)}\n`);
          }
        });
        const summaries = [];
        let failed = 0;
        for (const s of targets) {
          const r = await engine.call('sources.scan', { id: s.id });
          if (live) process.stderr.write('\r\x1b[K');
          if (r.ok) {
            const sum = r.value as MethodOutput<'sources.scan'>;
            summaries.push(sum);
            if (!asJson) {
              out(
                `${s.name}: ${formatCount(sum.files)} files in ${formatCount(sum.folders)} folders (${formatBytes(sum.bytes)}), ` +
                  `${sum.models} models, ${sum.datasets} datasets; read ${formatBytes(sum.bytesRead)} of headers in ${(sum.durationMs / 1000).toFixed(1)} s`,
              );
              for (const k of sum.skipped.slice(0, 20)) out(`  skipped ${k.path}: ${k.reason}`);
            }
          } else {
            failed++;
            process.stderr.write(`${s.name}: ${r.error.message}\n`);
          }
        }
        off();
        if (asJson) json(positionals[0] !== undefined ? (summaries[0] ?? null) : summaries);
        return failed > 0 ? 1 : 0;
      }
      case 'ls': {
        if (positionals.length > 0) throw new UsageError('ls takes no arguments.');
        const kind = values.kind;
        if (kind !== undefined && kind !== 'model' && kind !== 'dataset') throw new UsageError('--kind is model or dataset.');
        const items: LibraryItem[] = await call(engine, 'library.list', {
          kind: kind as 'model' | 'dataset' | undefined,
          query: typeof values.query === 'string' ? values.query : undefined,
        });
        if (asJson) json(items);
        else if (items.length === 0) out('Nothing indexed yet. Add a source and run: modelshelf scan');
        else
          for (const i of items) {
            out(`${i.kind}\t${i.name}\t${i.latestVersion ?? '-'}\t${i.versionCount} versions\t${i.format}\t${formatBytes(i.sizeBytes)}\t${i.sourceName}:${i.path}`);
          }
        return 0;
      }
      case 'serve': {
        const port = values.port === undefined ? 0 : Number(values.port);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a number from 0 to 65535.');
        const host = typeof values.host === 'string' ? values.host : '127.0.0.1';
        if (values.demo) {
          const sources = await call(engine, 'sources.list', {});
          if (sources.length === 0) await call(engine, 'demo.open', {});
        }
        const server = await startServer({ engine, host, port, rendererDir: path.join(__dirname, 'renderer') });
        if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
          process.stderr.write(`Warning: listening on ${host}; anyone who can reach it and has the link can use this catalog.\n`);
        }
        out(`Modelshelf is running at ${server.url}`);
        if (values.open) openInBrowser(server.url);
        await new Promise<void>((resolve) => {
          process.once('SIGINT', resolve);
          process.once('SIGTERM', resolve);
        });
        await server.close();
        return 0;
      }
    }
    return 2;
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
