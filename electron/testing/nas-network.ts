// A private two-machine LAN for discovery tests: two network namespaces ("nas" and "client") joined
// by a veth pair, with addresses that exist only inside them. Responders (avahi-daemon, wsdd, nmbd)
// run in the nas namespace with their own configs; probes run in the client namespace. Multicast and
// broadcasts therefore never leave the pair: nothing is sent on this machine's real interfaces.
// Needs root (ip netns) and the packages below (installed with apt-get when root, else the command).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleForNode, REPO_ROOT } from './bundle';

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/sbin', '/bin', '/usr/local/sbin', '/usr/local/bin'];
export const DISCOVERY_PACKAGES = ['iproute2', 'avahi-daemon', 'avahi-utils', 'wsdd', 'samba'];
export const DISCOVERY_INSTALL_HINT = `sudo apt-get update && sudo apt-get install -y ${DISCOVERY_PACKAGES.join(' ')}`;
const BINARIES = ['ip', 'avahi-daemon', 'wsdd', 'nmbd'];

export function findBinary(name: string): string | undefined {
  for (const d of [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_DIRS]) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Finds ip, avahi-daemon, wsdd and nmbd; as root installs the missing packages with apt-get (with a
 * temporary policy-rc.d so the packages' own daemons are not started on the real network), else
 * throws the exact command.
 */
export function ensureDiscoveryToolsInstalled(): void {
  if (BINARIES.every((b) => findBinary(b))) {
    if (!isRoot()) throw new Error('The discovery tests create network namespaces and must run as root.');
    return;
  }
  const aptGet = findBinary('apt-get');
  if (!isRoot() || !aptGet) throw new Error(`Discovery test tools (${BINARIES.join(', ')}) are missing. Install them with: ${DISCOVERY_INSTALL_HINT}`);
  const policy = '/usr/sbin/policy-rc.d';
  const ownPolicy = !existsSync(policy);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    if (ownPolicy) spawnSync('sh', ['-c', `printf '#!/bin/sh\\nexit 101\\n' > ${policy} && chmod 755 ${policy}`]);
    const up = spawnSync(aptGet, ['update'], { stdio: 'inherit', env, timeout: 300_000 });
    const inst =
      up.status === 0 ? spawnSync(aptGet, ['install', '-y', '--no-install-recommends', ...DISCOVERY_PACKAGES], { stdio: 'inherit', env, timeout: 600_000 }) : up;
    if (inst.status !== 0 || !BINARIES.every((b) => findBinary(b))) {
      throw new Error(`Installing the discovery test tools with apt-get failed. Install them with: ${DISCOVERY_INSTALL_HINT}`);
    }
  } finally {
    if (ownPolicy) spawnSync('rm', ['-f', policy]);
  }
}

function ip(args: string[]): void {
  const r = spawnSync(findBinary('ip') ?? 'ip', args, { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed: ${r.stderr || r.error?.message}`);
}

export interface Daemon {
  name: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

export interface TestLan {
  nasNs: string;
  clientNs: string;
  nasAddress: string;
  clientAddress: string;
  broadcast: string;
  nasInterface: string;
  clientInterface: string;
  /** Temp folder for configs and state. */
  root: string;
  /** Starts `argv` inside the nas namespace (its own process group; stopped by close()). */
  startInNas(name: string, shell: string): Daemon;
  /** Runs a command inside the client namespace and waits (bounded by timeoutMs). */
  runInClient(argv: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): { status: number | null; stdout: string; stderr: string };
  close(): Promise<void>;
}

const lans = new Set<() => void>();
let exitHook = false;

export async function createTestLan(): Promise<TestLan> {
  ensureDiscoveryToolsInstalled();
  const tag = randomBytes(3).toString('hex');
  const nasNs = `msnas-${tag}`;
  const clientNs = `mscli-${tag}`;
  const nasInterface = `msn${tag}`;
  const clientInterface = `msc${tag}`;
  // 10.231.x.0/24 exists only inside the two namespaces (no route leaves them).
  const subnet = `10.231.${randomBytes(1)[0]! % 250}`;
  const nasAddress = `${subnet}.1`;
  const clientAddress = `${subnet}.2`;
  const broadcast = `${subnet}.255`;
  const root = await mkdtemp(join(tmpdir(), 'modelshelf-lan-'));
  const daemons = new Set<Daemon>();

  const teardownSync = () => {
    for (const d of daemons) {
      try {
        if (d.child.pid) process.kill(-d.child.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    spawnSync('ip', ['netns', 'del', nasNs]);
    spawnSync('ip', ['netns', 'del', clientNs]);
  };
  lans.add(teardownSync);
  if (!exitHook) {
    exitHook = true;
    process.on('exit', () => {
      for (const t of lans) t();
    });
  }

  try {
    ip(['netns', 'add', nasNs]);
    ip(['netns', 'add', clientNs]);
    ip(['link', 'add', 'name', nasInterface, 'netns', nasNs, 'type', 'veth', 'peer', 'name', clientInterface, 'netns', clientNs]);
    for (const [ns, dev, addr] of [
      [nasNs, nasInterface, nasAddress],
      [clientNs, clientInterface, clientAddress],
    ] as const) {
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'addr', 'add', `${addr}/24`, 'broadcast', broadcast, 'dev', dev]);
      ip(['-n', ns, 'link', 'set', dev, 'up']);
      // Multicast has somewhere to go: the veth, and only the veth.
      ip(['-n', ns, 'route', 'add', '224.0.0.0/4', 'dev', dev]);
    }
  } catch (e) {
    teardownSync();
    lans.delete(teardownSync);
    await rm(root, { recursive: true, force: true });
    throw e;
  }

  const startInNas = (name: string, shell: string): Daemon => {
    const child = spawn('ip', ['netns', 'exec', nasNs, 'sh', '-c', shell], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const keep = (d: Buffer) => {
      out = (out + d.toString()).slice(-20_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const daemon: Daemon = {
      name,
      child,
      output: () => out,
      async stop() {
        daemons.delete(daemon);
        if (child.exitCode !== null || child.signalCode !== null) return;
        try {
          process.kill(-child.pid!, 'SIGTERM');
        } catch {
          return;
        }
        const timer = setTimeout(() => {
          try {
            process.kill(-child.pid!, 'SIGKILL');
          } catch {
            /* gone */
          }
        }, 3000);
        await exited;
        clearTimeout(timer);
      },
    };
    daemons.add(daemon);
    return daemon;
  };

  return {
    nasNs,
    clientNs,
    nasAddress,
    clientAddress,
    broadcast,
    nasInterface,
    clientInterface,
    root,
    startInNas,
    runInClient(argv, opts = {}) {
      const r = spawnSync('ip', ['netns', 'exec', clientNs, ...argv], {
        encoding: 'utf8',
        timeout: opts.timeoutMs ?? 60_000,
        env: opts.env ?? process.env,
        maxBuffer: 16 * 1024 * 1024,
      });
      return { status: r.status, stdout: r.stdout ?? '', stderr: `${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
    },
    async close() {
      await Promise.all([...daemons].map((d) => d.stop()));
      teardownSync();
      lans.delete(teardownSync);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** avahi-daemon in the nas namespace: its own config, services, pid/socket folder (a private tmpfs). */
export async function startAvahi(
  lan: TestLan,
  opts: { hostName: string; services: string },
): Promise<Daemon> {
  const dir = join(lan.root, 'avahi');
  await mkdir(join(dir, 'services'), { recursive: true });
  await writeFile(
    join(dir, 'avahi-daemon.conf'),
    [
      '[server]',
      `host-name=${opts.hostName}`,
      'domain-name=local',
      'use-ipv4=yes',
      'use-ipv6=no',
      `allow-interfaces=${lan.nasInterface}`,
      'enable-dbus=no',
      'ratelimit-interval-usec=1000000',
      'ratelimit-burst=1000',
      '[wide-area]',
      'enable-wide-area=no',
      '[publish]',
      'publish-addresses=yes',
      'publish-hinfo=no',
      'publish-workstation=no',
      '[reflector]',
      '[rlimits]',
      '',
    ].join('\n'),
  );
  await writeFile(join(dir, 'services', 'nas.service'), opts.services);
  // `ip netns exec` gives the shell its own mount namespace: the tmpfs and bind mount stay inside it.
  return lan.startInNas(
    'avahi-daemon',
    `mkdir -p /run/avahi-daemon /etc/avahi/services && mount -t tmpfs tmpfs /run/avahi-daemon && ` +
      `mount --bind '${join(dir, 'services')}' /etc/avahi/services && ` +
      `exec avahi-daemon -f '${join(dir, 'avahi-daemon.conf')}' --no-drop-root --no-chroot --no-rlimits`,
  );
}

/** wsdd (WS-Discovery responder, as on a Samba NAS) on the nas interface. */
export function startWsdd(lan: TestLan, opts: { hostName: string; workgroup: string; uuid: string }): Daemon {
  const wsdd = findBinary('wsdd') ?? 'wsdd';
  return lan.startInNas('wsdd', `exec '${wsdd}' -i ${lan.nasInterface} -4 -n ${opts.hostName} -w ${opts.workgroup} -U ${opts.uuid} -s -v`);
}

/** Samba's nmbd (NetBIOS name service) with its own config on the nas interface. */
export async function startNmbd(lan: TestLan, opts: { netbiosName: string; workgroup: string }): Promise<Daemon> {
  const dir = join(lan.root, 'nmbd');
  for (const d of ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'log']) await mkdir(join(dir, d), { recursive: true });
  const conf = join(dir, 'smb.conf');
  await writeFile(
    conf,
    [
      '[global]',
      `  netbios name = ${opts.netbiosName}`,
      `  workgroup = ${opts.workgroup}`,
      `  interfaces = ${lan.nasInterface}`,
      '  bind interfaces only = yes',
      '  server role = standalone server',
      '  local master = no',
      '  domain master = no',
      '  preferred master = no',
      '  wins support = no',
      '  dns proxy = no',
      `  private dir = ${join(dir, 'private')}`,
      `  lock directory = ${join(dir, 'lock')}`,
      `  state directory = ${join(dir, 'state')}`,
      `  cache directory = ${join(dir, 'cache')}`,
      `  pid directory = ${join(dir, 'pid')}`,
      `  ncalrpc dir = ${join(dir, 'ncalrpc')}`,
      `  log file = ${join(dir, 'log', 'log.%m')}`,
      '  log level = 1',
      '',
    ].join('\n'),
  );
  const nmbd = findBinary('nmbd') ?? 'nmbd';
  return lan.startInNas('nmbd', `exec '${nmbd}' --foreground --no-process-group --configfile='${conf}' --debug-stdout`);
}

/**
 * Bundles the CLI (electron/hosts/cli.ts) from the sources into `outDir`, as scripts/build.mjs does,
 * so a test runs exactly the code in the tree. Run it with env NODE_PATH=<repo>/node_modules.
 */
export async function buildCliBundle(outDir: string): Promise<{ cli: string; env: NodeJS.ProcessEnv }> {
  const cli = await bundleForNode('electron/hosts/cli.ts', join(outDir, 'cli.cjs'), ['better-sqlite3']);
  return { cli, env: { ...process.env, NODE_PATH: join(REPO_ROOT, 'node_modules') } };
}

/** Bundles a small TypeScript program (imports resolved from `resolveDir`) into `outfile`. */
export async function buildScript(contents: string, resolveDir: string, outfile: string): Promise<string> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    stdin: { contents, resolveDir, loader: 'ts', sourcefile: 'probe.ts' },
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    logLevel: 'warning',
  });
  return outfile;
}

/** Polls `check` every 100 ms until it is true or `ms` have passed; returns the last answer. */
export async function waitUntil(check: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > until) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** UDP ports listening inside the nas namespace (to know a responder is ready). */
export function udpPortsInNas(lan: TestLan): number[] {
  const r = spawnSync('ip', ['netns', 'exec', lan.nasNs, 'ss', '-H', '-uln'], { encoding: 'utf8', timeout: 5000 });
  return [...(r.stdout ?? '').matchAll(/:(\d+)\s/g)].map((m) => Number(m[1]));
}
