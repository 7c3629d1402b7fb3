// NAS commands: discover (find the NAS on this network), shares (what it shares and what you can
// read), forget (remove a source and its saved password).
import type { NasDevice, Source } from '../../shared/contract';
import { type CliCommand, Failure, UsageError } from './cli-types';
import { canPrompt } from './prompt';

const METHOD_WORDS: Record<NasDevice['foundBy'][number], string> = {
  mdns: 'Bonjour',
  wsd: 'WS-Discovery',
  netbios: 'NetBIOS',
  mounted: 'mounted here',
};

/** smb://[domain;|domain\][user@]host[:port][/…], \\host, or a bare host → what nas.shares needs. */
export function parseSharesTarget(input: string): { host: string; port?: number; user?: string; domain?: string } {
  let text = input.trim();
  if (text.startsWith('\\\\')) text = `smb://${text.slice(2).replace(/\\/g, '/')}`;
  if (!/^smb:\/\//i.test(text)) text = `smb://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`"${input}" is not a NAS address. Use smb://[user@]host[:port].`);
  }
  if (url.password) throw new UsageError('Do not put the password in the address; set MODELSHELF_PASSWORD or type it when asked.');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!host) throw new UsageError(`"${input}" has no computer name.`);
  const out: { host: string; port?: number; user?: string; domain?: string } = { host };
  if (url.port) out.port = Number(url.port);
  let user = url.username ? decodeURIComponent(url.username) : '';
  for (const sep of [';', '\\']) {
    const at = user.indexOf(sep);
    if (at > 0) {
      out.domain = user.slice(0, at);
      user = user.slice(at + 1);
      break;
    }
  }
  if (user) out.user = user;
  return out;
}

function findSource(sources: Source[], key: string): Source {
  const byId = /^\d+$/.test(key) ? sources.find((s) => s.id === Number(key)) : undefined;
  const hit = byId ?? sources.find((s) => s.name === key || s.url === key);
  if (!hit) throw new Failure(`No source matches "${key}". See: modelshelf sources`);
  return hit;
}

function deviceLines(d: NasDevice): string[] {
  const names = d.hostnames.filter((h) => h.toLowerCase() !== d.name.toLowerCase());
  const facts = [
    d.addresses.join(', ') || null,
    names.length ? `(${names.join(', ')})` : null,
    `found by ${d.foundBy.map((m) => METHOD_WORDS[m]).join(', ')}`,
    d.model ? `model ${d.model}` : null,
    d.workgroup ? `workgroup ${d.workgroup}` : null,
  ].filter((x) => x !== null);
  const lines = [`${d.name}  ${facts.join('  ')}`];
  if (d.fileServer && d.addresses.length > 0) lines.push(`    shares: modelshelf shares ${d.url}`);
  for (const m of d.mounted) lines.push(`    mounted at ${m.mountPoint} (${m.url})`);
  return lines;
}

export const nasCommands: CliCommand[] = [
  {
    name: 'discover',
    help: `  discover [--timeout S] [--json]
                                Look for NAS on this network (Bonjour, WS-Discovery, NetBIOS) and shares
                                this computer has mounted. Default: 4 seconds.`,
    options: { timeout: { type: 'string' } },
    async run(ctx) {
      if (ctx.positionals.length > 0) throw new UsageError('discover takes no arguments.');
      const seconds = ctx.values.timeout === undefined ? 4 : Number(ctx.values.timeout);
      if (!Number.isFinite(seconds) || seconds < 0.2 || seconds > 30) throw new UsageError('--timeout is a number of seconds from 0.2 to 30.');
      if (!ctx.json) process.stderr.write(`Looking for NAS for ${seconds} s…\n`);
      const devices = await ctx.call('nas.discover', { timeoutMs: Math.round(seconds * 1000) });
      if (ctx.json) ctx.printJson(devices);
      else if (devices.length === 0) ctx.out('No NAS found on this network. If you know its name or address: modelshelf shares smb://nas.local');
      else for (const d of devices) for (const line of deviceLines(d)) ctx.out(line);
      return 0;
    },
  },
  {
    name: 'shares',
    help: `  shares smb://[user@]host[:port] [--json]
                                List a NAS's shares and which ones you can read. No user = guest.
                                The password comes from MODELSHELF_PASSWORD or is asked for; never a flag.`,
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('shares takes exactly one address, e.g. smb://ana@nas.local');
      const target = parseSharesTarget(ctx.positionals[0] as string);
      let password: string | undefined;
      if (target.user) {
        password = process.env.MODELSHELF_PASSWORD;
        if (password === undefined) {
          if (!canPrompt()) throw new Failure(`A password for ${target.user} is needed: set MODELSHELF_PASSWORD or run in a terminal.`);
          password = await ctx.askPassword(`Password for ${target.user} on ${target.host}: `);
        }
      }
      const shares = await ctx.call('nas.shares', { ...target, password });
      if (ctx.json) ctx.printJson(shares);
      else if (shares.length === 0) ctx.out(`${target.host} shares no folders${target.user ? ` with ${target.user}` : ' with guests'}.`);
      else
        for (const s of shares) {
          const access = s.readable ? 'readable' : `no access: ${s.problem ?? 'refused'}`;
          ctx.out(`${s.name}\t${access}${s.comment ? `\t${s.comment}` : ''}`);
        }
      return 0;
    },
  },
  {
    name: 'open',
    help: `  open <source> [path] [--json]
                                Show a source (or a folder in it) in Finder / File Explorer / Files. A NAS
                                share is mounted by the computer's own SMB client.`,
    async run(ctx) {
      if (ctx.positionals.length < 1 || ctx.positionals.length > 2) throw new UsageError('open takes a source and, optionally, a folder in it.');
      const source = findSource(await ctx.call('sources.list', {}), ctx.positionals[0] as string);
      const result = await ctx.call('sources.openInFileManager', { id: source.id, path: ctx.positionals[1] });
      if (ctx.json) ctx.printJson(result);
      else ctx.out(`Opened ${result.opened} in ${result.app}.`);
      return 0;
    },
  },
  {
    name: 'forget',
    help: `  forget <source> [--json]      Remove a source (id, name or address), its catalog entries and its saved
                                password. Nothing on the share is touched.`,
    async run(ctx) {
      if (ctx.positionals.length !== 1) throw new UsageError('forget takes exactly one source.');
      const source = findSource(await ctx.call('sources.list', {}), ctx.positionals[0] as string);
      const result = await ctx.call('sources.forget', { id: source.id });
      if (ctx.json) ctx.printJson({ ...result, id: source.id, name: source.name, url: source.url });
      else ctx.out(`Forgot ${source.name} (${source.url}): its catalog entries and saved password are gone; the share is untouched.`);
      return 0;
    },
  },
];
