// The foundation's commands: add, sources, scan, ls, serve.
import { spawn } from 'node:child_process';
import path from 'node:path';
import type { LibraryItem, MethodOutput, ScanProgress, Source } from '../../shared/contract';
import { formatBytes, formatCount } from '../../shared/format';
import { canPrompt } from './prompt';
import { startServer } from './server';
import { type CliCommand, Failure, UsageError } from './cli-types';

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

export const coreCommands: CliCommand[] = [
  {
    name: 'add',
    help: `  add <location> [--name N] [--no-keychain] [--json]
                                Add a share or folder and check that it can be read.
                                location: smb://[user@]host[:port]/share[/path], \\\\host\\share, or /local/folder
                                The password comes from MODELSHELF_PASSWORD or is asked for; never a flag.
                                It is saved in the OS keychain unless --no-keychain is given.`,
    options: { name: { type: 'string' }, 'no-keychain': { type: 'boolean' } },
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('add takes exactly one location.');
      const location = ctx.positionals[0] as string;
      let password: string | undefined = process.env.MODELSHELF_PASSWORD;
      if (password === undefined && /^(smb:|\\\\)/i.test(location)) {
        if (!canPrompt()) throw new Failure('This share needs a password: set MODELSHELF_PASSWORD or run in a terminal.');
        password = await ctx.askPassword();
      }
      const name = typeof ctx.values.name === 'string' ? ctx.values.name : undefined;
      const remember = ctx.values['no-keychain'] !== true;
      const source = await ctx.call('sources.add', { location, name, password, remember });
      if (ctx.json) ctx.printJson(source);
      else ctx.out(`Added ${source.name} (${source.url}) as source ${source.id}. Next: modelshelf scan ${source.id}`);
      return 0;
    },
  },
  {
    name: 'sources',
    help: '  sources [--json]              List your sources.',
    async run(ctx) {
      if (ctx.positionals.length > 0) throw new UsageError('sources takes no arguments.');
      const sources = await ctx.call('sources.list', {});
      if (ctx.json) ctx.printJson(sources);
      else if (sources.length === 0) ctx.out('No sources yet. Add one: modelshelf add smb://user@nas/share');
      else
        for (const s of sources) {
          const when = s.lastScanAt ? new Date(s.lastScanAt).toISOString() : 'never indexed';
          ctx.out(`${s.id}\t${s.name}\t${s.url}\t${s.status}\t${formatCount(s.counts.files)} files\t${when}`);
        }
      return 0;
    },
  },
  {
    name: 'scan',
    help: `  scan [source] [--json]        Index one source (id, name or address) or all of them.
                                Progress goes to stderr, the summary to stdout.`,
    async run(ctx) {
      if (ctx.positionals.length > 1) throw new UsageError('scan takes at most one source.');
      const sources = await ctx.call('sources.list', {});
      const key = ctx.positionals[0];
      const targets = key !== undefined ? [findSource(sources, key)] : sources;
      if (targets.length === 0) throw new Failure('No sources to index. Add one: modelshelf add smb://user@nas/share');
      ctx.allowPasswordPrompt();
      const live = process.stderr.isTTY;
      let lastLine = 0;
      const off = ctx.engine.onEvent((e) => {
        if (e.event !== 'scan.progress') return;
        const p = e.payload as ScanProgress;
        if (live) process.stderr.write(`\r\x1b[K${progressLine(p)}`);
        else if (Date.now() - lastLine > 2000) {
          lastLine = Date.now();
          process.stderr.write(`${progressLine(p)}\n`);
        }
      });
      const summaries: Array<MethodOutput<'sources.scan'>> = [];
      let failed = 0;
      for (const s of targets) {
        const r = await ctx.engine.call('sources.scan', { id: s.id });
        if (live) process.stderr.write('\r\x1b[K');
        if (r.ok) {
          const sum = r.value as MethodOutput<'sources.scan'>;
          summaries.push(sum);
          if (!ctx.json) {
            ctx.out(
              `${s.name}: ${formatCount(sum.files)} files in ${formatCount(sum.folders)} folders (${formatBytes(sum.bytes)}), ` +
                `${sum.models} models, ${sum.datasets} datasets; read ${formatBytes(sum.bytesRead)} of headers in ${(sum.durationMs / 1000).toFixed(1)} s`,
            );
            for (const k of sum.skipped.slice(0, 20)) ctx.out(`  skipped ${k.path}: ${k.reason}`);
          }
        } else {
          failed++;
          process.stderr.write(`${s.name}: ${r.error.message}\n`);
        }
      }
      off();
      if (ctx.json) ctx.printJson(key !== undefined ? (summaries[0] ?? null) : summaries);
      return failed > 0 ? 1 : 0;
    },
  },
  {
    name: 'ls',
    help: `  ls [models|datasets|runs] [--json] [--query TEXT]
                                List what the catalog holds (models and datasets by default).`,
    options: { kind: { type: 'string' }, query: { type: 'string' } },
    async run(ctx) {
      if (ctx.positionals.length > 1) throw new UsageError('ls takes at most one of: models, datasets, runs.');
      const what = ctx.positionals[0] ?? (typeof ctx.values.kind === 'string' ? `${ctx.values.kind}s` : undefined);
      if (what !== undefined && !['models', 'datasets', 'runs'].includes(what)) throw new UsageError('ls lists models, datasets or runs.');
      const query = typeof ctx.values.query === 'string' ? ctx.values.query : undefined;
      if (what === 'runs') {
        const runs = await ctx.call('runs.list', { query });
        if (ctx.json) ctx.printJson(runs);
        else if (runs.length === 0) ctx.out('No training runs found yet.');
        else
          for (const r of runs) {
            const finals = Object.entries(r.finals)
              .slice(0, 4)
              .map(([k, v]) => `${k}=${Number(v.toPrecision(4))}`)
              .join(' ');
            ctx.out(`run\t${r.name}\t${r.format}\t${r.status ?? '-'}\t${finals}\t${r.path}`);
          }
        return 0;
      }
      const kind = what === 'models' ? 'model' : what === 'datasets' ? 'dataset' : undefined;
      const items: LibraryItem[] = await ctx.call('library.list', { kind, query });
      if (ctx.json) ctx.printJson(items);
      else if (items.length === 0) ctx.out('Nothing indexed yet. Add a source and run: modelshelf scan');
      else
        for (const i of items) {
          ctx.out(
            `${i.kind}\t${i.name}\t${i.latestVersion ?? '-'}\t${i.versionCount} versions\t${i.format}\t${formatBytes(i.sizeBytes)}\t${i.sourceName}:${i.path}`,
          );
        }
      return 0;
    },
  },
  {
    name: 'serve',
    help: `  serve [--port N] [--host 127.0.0.1] [--open] [--demo]
                                Run the app for a browser; prints the address with its access token.`,
    options: { port: { type: 'string' }, host: { type: 'string' }, open: { type: 'boolean' }, demo: { type: 'boolean' } },
    server: true,
    async run(ctx) {
      const port = ctx.values.port === undefined ? 0 : Number(ctx.values.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a number from 0 to 65535.');
      const host = typeof ctx.values.host === 'string' ? ctx.values.host : '127.0.0.1';
      if (ctx.values.demo) {
        const sources = await ctx.call('sources.list', {});
        if (sources.length === 0) await ctx.call('demo.open', {});
      }
      const server = await startServer({ engine: ctx.engine, host, port, rendererDir: path.join(__dirname, 'renderer') });
      if (!['127.0.0.1', '::1', 'localhost'].includes(host)) {
        process.stderr.write(`Warning: listening on ${host}; anyone who can reach it and has the link can use this catalog.\n`);
      }
      ctx.out(`Modelshelf is running at ${server.url}`);
      if (ctx.values.open) openInBrowser(server.url);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      return 0;
    },
  },
];
