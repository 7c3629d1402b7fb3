// A real Samba (smbd) for integration tests, e2e and benchmarks: its own loopback port, all state in
// a temp folder, a test user, one or more shares. Needs root (to create the Unix user) and Samba
// installed (ensureSambaInstalled installs it with apt-get when it can, else says how).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SambaOptions {
  /** Default: one writable share called 'models'. */
  shares?: Array<{ name: string; readOnly?: boolean; seed?: (dir: string) => Promise<void> }>;
  /** Extra [global] lines, e.g. 'server signing = mandatory'. */
  globalOptions?: string[];
  user?: string;
  password?: string;
}

export interface SambaServer {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  /** The temp folder holding config, state and shares. */
  root: string;
  sharePath(name: string): string;
  /** smb://user@127.0.0.1:port/share */
  url(share?: string): string;
  /**
   * Stops smbd (and every connection it serves) but keeps the port, config, state and shares.
   * hard: SIGKILL at once, even while frozen (a crash or power cut: nothing in flight is answered).
   */
  down(opts?: { hard?: boolean }): Promise<void>;
  /** Starts smbd again on the same port with the same config, state and shares. */
  up(): Promise<void>;
  /** down() then up(): a NAS reboot as clients see it. */
  restart(opts?: { hard?: boolean }): Promise<void>;
  /** SIGSTOP / SIGCONT to smbd and its children: a NAS (or network) that stops answering without closing. */
  freeze(): void;
  thaw(): void;
  /** Stops smbd and deletes everything. */
  stop(): Promise<void>;
}

const SEARCH_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin', '/sbin', '/bin'];
const INSTALL_HINT = 'sudo apt-get install -y samba smbclient';

function findBinary(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...SEARCH_DIRS];
  for (const d of dirs) {
    const p = join(d, name);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Finds smbd and smbpasswd; installs samba + smbclient with apt-get when root, else throws the command. */
export function ensureSambaInstalled(): void {
  if (findBinary('smbd') && findBinary('smbpasswd')) return;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const aptGet = findBinary('apt-get');
  if (isRoot && aptGet) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    const up = spawnSync(aptGet, ['update'], { stdio: 'inherit', env });
    const inst = up.status === 0 ? spawnSync(aptGet, ['install', '-y', 'samba', 'smbclient'], { stdio: 'inherit', env }) : up;
    if (inst.status === 0 && findBinary('smbd') && findBinary('smbpasswd')) return;
    throw new Error(`Installing Samba with apt-get failed. Install it with: ${INSTALL_HINT}`);
  }
  throw new Error(`Samba (smbd, smbpasswd) is not installed. Install it with: ${INSTALL_HINT}`);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      s.destroy();
      resolve(ok);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(500, () => done(false));
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function ensureUnixUser(user: string): void {
  if (spawnSync('id', ['-u', user]).status === 0) return;
  const r = spawnSync('useradd', ['-M', '-s', '/usr/sbin/nologin', user], { encoding: 'utf8' });
  // Exit 9: created meanwhile by a parallel run.
  if (r.status !== 0 && r.status !== 9 && spawnSync('id', ['-u', user]).status !== 0) {
    throw new Error(`Could not create the Unix user ${user} for Samba (run the tests as root): ${r.stderr}`);
  }
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    // smbd runs in its own session (setsid), so its process group is its own PID: this stops smbd
    // and the per-connection children it forked, and nothing else.
    process.kill(-child.pid, signal);
  } catch {
    try {
      child.kill(signal);
    } catch {
      /* already gone */
    }
  }
}

/**
 * smbd starts samba-dcerpcd helpers (share enumeration) in their own process group, so killing
 * smbd's group misses them. They carry our private --configfile, which names them exactly.
 */
function killHelpersOf(conf: string): void {
  const marker = `--configfile=${conf}`;
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return; // no /proc (not Linux): nothing we can find
  }
  for (const pid of pids) {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(marker)) process.kill(Number(pid), 'SIGKILL');
    } catch {
      // gone already, or not ours to read
    }
  }
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of running) killGroup(c, 'SIGKILL');
  });
}

export async function startSamba(opts: SambaOptions = {}): Promise<SambaServer> {
  ensureSambaInstalled();
  const smbd = findBinary('smbd')!;
  const smbpasswd = findBinary('smbpasswd')!;
  const user = opts.user ?? 'modelshelf';
  const password = opts.password ?? 'Shelf-pass-1';
  const shares = opts.shares ?? [{ name: 'models' }];
  ensureUnixUser(user);

  const root = await mkdtemp(join(tmpdir(), 'modelshelf-samba-'));
  await chmod(root, 0o755); // smbd serves files as the test user: it must traverse the temp folder
  const dirs = ['private', 'lock', 'state', 'cache', 'pid', 'ncalrpc', 'log', 'shares'];
  for (const d of dirs) await mkdir(join(root, d), { recursive: true });
  await chmod(join(root, 'private'), 0o700);
  const sharePath = (name: string) => join(root, 'shares', name);
  try {
    for (const s of shares) {
      await mkdir(sharePath(s.name), { recursive: true });
      if (s.seed) await s.seed(sharePath(s.name));
    }
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }
  // The test user owns the share contents, so writable shares are writable.
  spawnSync('chown', ['-R', `${user}:`, join(root, 'shares')]);

  const port = await freePort();
  const conf = join(root, 'smb.conf');
  const lines = [
    '[global]',
    '  server role = standalone server',
    '  workgroup = MODELSHELF',
    '  netbios name = TESTNAS',
    '  map to guest = never',
    '  interfaces = lo',
    '  bind interfaces only = yes',
    '  disable netbios = yes',
    `  smb ports = ${port}`,
    `  private dir = ${join(root, 'private')}`,
    `  lock directory = ${join(root, 'lock')}`,
    `  state directory = ${join(root, 'state')}`,
    `  cache directory = ${join(root, 'cache')}`,
    `  pid directory = ${join(root, 'pid')}`,
    `  ncalrpc dir = ${join(root, 'ncalrpc')}`,
    `  log file = ${join(root, 'log', 'log.%m')}`,
    '  log level = 1',
    '  max log size = 0',
    '  passdb backend = tdbsam',
    '  load printers = no',
    '  printing = bsd',
    '  printcap name = /dev/null',
    '  disable spoolss = yes',
    ...(opts.globalOptions ?? []).map((l) => `  ${l}`),
    '',
    ...shares.flatMap((s) => [
      `[${s.name}]`,
      `  path = ${sharePath(s.name)}`,
      `  read only = ${s.readOnly ? 'yes' : 'no'}`,
      '  guest ok = no',
      `  valid users = ${user}`,
      '',
    ]),
  ];
  await writeFile(conf, lines.join('\n'));

  const pw = spawnSync(smbpasswd, ['-c', conf, '-a', '-s', user], { input: `${password}\n${password}\n`, encoding: 'utf8' });
  if (pw.status !== 0) {
    await rm(root, { recursive: true, force: true });
    throw new Error(`smbpasswd failed: ${pw.stderr || pw.stdout}`);
  }

  let daemon: Daemon | undefined;
  try {
    daemon = await startDaemon(smbd, conf, port, root);
  } catch (e) {
    await rm(root, { recursive: true, force: true });
    throw e;
  }

  let stopped = false;
  const down = async (o: { hard?: boolean } = {}) => {
    const d = daemon;
    daemon = undefined;
    if (d) await d.stop(o.hard === true);
    const until = Date.now() + 5000;
    while ((await canConnect(port)) && Date.now() < until) await sleep(50);
  };
  const up = async () => {
    if (stopped) throw new Error('This Samba has been stopped for good.');
    if (!daemon) daemon = await startDaemon(smbd, conf, port, root);
  };
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    daemon?.thaw();
    await down();
    await rm(root, { recursive: true, force: true });
  };

  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    root,
    sharePath,
    url: (share = shares[0]?.name ?? 'models') => `smb://${user}@127.0.0.1:${port}/${share}`,
    down,
    up,
    restart: async (o?: { hard?: boolean }) => {
      await down(o);
      await up();
    },
    freeze: () => daemon?.freeze(),
    thaw: () => daemon?.thaw(),
    stop,
  };
}

interface Daemon {
  stop(hard: boolean): Promise<void>;
  freeze(): void;
  thaw(): void;
}

async function startDaemon(smbd: string, conf: string, port: number, root: string): Promise<Daemon> {
  const child = spawn(smbd, ['--foreground', '--no-process-group', `--configfile=${conf}`, '--debug-stdout'], {
    detached: true, // setsid: its own session and process group (see killGroup)
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  });
  child.stderr?.on('data', (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  });
  let exited = false;
  const exitPromise = new Promise<void>((resolve) =>
    child.once('exit', () => {
      exited = true;
      running.delete(child);
      resolve();
    }),
  );
  running.add(child);
  installExitHook();

  const deadline = Date.now() + 15_000;
  while (!(await canConnect(port))) {
    if (exited || Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      const log = await readFile(join(root, 'log', 'log.smbd'), 'utf8').catch(() => '');
      throw new Error(`smbd did not start on port ${port}:\n${output}\n${log.slice(-4000)}`);
    }
    await sleep(50);
  }

  let stopped = false;
  return {
    async stop(hard) {
      if (stopped) return;
      stopped = true;
      if (hard) killGroup(child, 'SIGKILL');
      else killGroup(child, 'SIGCONT');
      if (!exited) {
        killGroup(child, 'SIGTERM');
        const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
        await exitPromise;
        clearTimeout(timer);
      }
      killGroup(child, 'SIGKILL'); // any forked child still in the group
      killHelpersOf(conf);
    },
    freeze: () => killGroup(child, 'SIGSTOP'),
    thaw: () => killGroup(child, 'SIGCONT'),
  };
}
