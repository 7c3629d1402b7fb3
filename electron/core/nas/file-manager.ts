// "Open in Finder / File Explorer / Files": shows a source (or a folder inside it) in the person's
// own file manager. For a NAS share the operating system's own SMB client mounts it (our client
// keeps doing the indexing); a share the OS already has mounted, or a local folder, is opened as a
// folder. The plan is a pure function of the platform so every platform's commands are tested here;
// the runner only spawns programs (never a shell) and never puts a password on a command line.
import { spawn } from 'node:child_process';
import { smbUrl } from './location';
import { EngineError } from '../errors';

export type FileManagerTarget =
  | { kind: 'folder'; path: string }
  | { kind: 'smb'; host: string; port: number | null; share: string; subpath: string; user: string | null; domain: string | null };

export interface LaunchStep {
  command: string;
  args: string[];
  /** Wait for it to finish (a mount) rather than leave it running (the file manager). */
  wait: boolean;
  /** The share password goes to its standard input (gio mount asks for it there). */
  passwordOnStdin?: boolean;
  /** A failure here does not stop the next step (the file manager can still mount and ask itself). */
  mayFail?: boolean;
}

export interface LaunchPlan {
  /** What people call the file manager on this platform. */
  app: string;
  /** Tried in order: the first whose first program exists on this computer is used. */
  alternatives: LaunchStep[][];
}

export function fileManagerName(platform: NodeJS.Platform): string {
  return platform === 'darwin' ? 'Finder' : platform === 'win32' ? 'File Explorer' : 'Files';
}

function windowsPath(target: Extract<FileManagerTarget, { kind: 'smb' }>): string {
  return `\\\\${target.host}\\${[target.share, ...target.subpath.split('/').filter((p) => p !== '')].join('\\')}`;
}

export function fileManagerPlan(platform: NodeJS.Platform, target: FileManagerTarget, hasPassword: boolean): LaunchPlan {
  const app = fileManagerName(platform);
  if (target.kind === 'folder') {
    if (platform === 'darwin') return { app, alternatives: [[{ command: 'open', args: [target.path], wait: false }]] };
    if (platform === 'win32') return { app, alternatives: [[{ command: 'explorer.exe', args: [target.path], wait: false }]] };
    return {
      app,
      alternatives: [[{ command: 'gio', args: ['open', target.path], wait: false }], [{ command: 'xdg-open', args: [target.path], wait: false }]],
    };
  }
  if (platform === 'win32') {
    // Explorer connects with Windows' own SMB client and asks for the password in its own dialog
    // (saving it in Credential Manager if the person wants). UNC paths have no port.
    if (target.port !== null && target.port !== 445) {
      throw new EngineError(
        'UNSUPPORTED',
        `Windows can open shares only on the standard port 445, and this NAS uses port ${target.port}. Modelshelf keeps indexing it; to browse it in File Explorer, ask whoever runs the NAS to use port 445.`,
      );
    }
    return { app, alternatives: [[{ command: 'explorer.exe', args: [windowsPath(target)], wait: false }]] };
  }
  if (platform === 'darwin') {
    // Finder mounts smb:// URLs itself and asks for the password (and offers the Keychain).
    const url = smbUrl({ host: target.host, port: target.port, share: target.share, subpath: target.subpath, user: target.user, domain: target.domain });
    return { app, alternatives: [[{ command: 'open', args: [url], wait: false }]] };
  }
  // Linux desktops: gvfs mounts the share (gio mount), then the default file manager opens it. The
  // URL names the domain so that gio asks only for the password, which it reads from stdin. A guest
  // share mounts anonymously. If the mount fails, `gio open` still lets the file manager try and ask.
  const domain = target.user ? (target.domain ?? 'WORKGROUP') : null;
  const url = smbUrl({ host: target.host, port: target.port, share: target.share, subpath: target.subpath, user: target.user, domain });
  const shareUrl = smbUrl({ host: target.host, port: target.port, share: target.share, subpath: '', user: target.user, domain });
  const mount: LaunchStep = target.user
    ? { command: 'gio', args: ['mount', shareUrl], wait: true, passwordOnStdin: hasPassword, mayFail: true }
    : { command: 'gio', args: ['mount', '--anonymous', shareUrl], wait: true, mayFail: true };
  return {
    app,
    alternatives: [[mount, { command: 'gio', args: ['open', url], wait: false }], [{ command: 'xdg-open', args: [url], wait: false }]],
  };
}

export interface LaunchOptions {
  password?: string | null;
  env?: NodeJS.ProcessEnv;
  /** How long a mount may take before it is given up on (it may be waiting for an answer). */
  mountTimeoutMs?: number;
}

type StepOutcome = { ok: true } | { ok: false; missing: boolean; message: string };

function runStep(step: LaunchStep, opts: LaunchOptions): Promise<StepOutcome> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (o: StepOutcome) => {
      if (!settled) {
        settled = true;
        resolve(o);
      }
    };
    const child = spawn(step.command, step.args, {
      env: opts.env ?? process.env,
      stdio: [step.passwordOnStdin ? 'pipe' : 'ignore', 'ignore', step.wait ? 'pipe' : 'ignore'],
      detached: !step.wait,
      windowsHide: true,
    });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      if (stderr.length < 2000) stderr += d.toString('utf8');
    });
    child.on('error', (err: NodeJS.ErrnoException) => done({ ok: false, missing: err.code === 'ENOENT', message: err.message }));
    if (step.passwordOnStdin && child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(`${opts.password ?? ''}\n`);
    }
    if (!step.wait) {
      child.on('spawn', () => {
        child.unref();
        done({ ok: true });
      });
      return;
    }
    const timer = setTimeout(() => {
      child.kill();
      done({ ok: false, missing: false, message: 'the mount did not finish in time' });
    }, opts.mountTimeoutMs ?? 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // "Already mounted" is success for us: the file manager can open it.
      if (code === 0 || /already mounted/i.test(stderr)) done({ ok: true });
      else done({ ok: false, missing: false, message: stderr.trim().split('\n')[0] || `exit code ${code}` });
    });
  });
}

/** Runs a plan; resolves with the program that showed the files, or throws a message a person can act on. */
export async function launchFileManager(plan: LaunchPlan, opts: LaunchOptions = {}): Promise<{ command: string }> {
  const tried: string[] = [];
  for (const steps of plan.alternatives) {
    let missing = false;
    for (const [n, step] of steps.entries()) {
      const outcome = await runStep(step, opts);
      if (outcome.ok) {
        if (n === steps.length - 1) return { command: step.command };
        continue;
      }
      if (outcome.missing) {
        missing = true;
        tried.push(step.command);
        break;
      }
      if (!step.mayFail) throw new EngineError('IO', `${plan.app} could not be opened: ${outcome.message}.`);
    }
    if (!missing) break;
  }
  const hint = process.platform === 'linux' ? ' On Debian or Ubuntu: sudo apt install libglib2.0-bin xdg-utils' : '';
  throw new EngineError('UNSUPPORTED', `No program to open ${plan.app} was found on this computer (looked for ${tried.join(', ')}).${hint}`);
}
