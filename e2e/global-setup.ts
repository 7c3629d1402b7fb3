// Starts the real parts the e2e suite drives: a Samba server on loopback whose share holds the
// demo library, and the browser-mode engine server from the built CLI (the same binary users run).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeDemoLibrary } from '../electron/core/demo/generate';
import { startSamba } from '../electron/testing/samba';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

export default async function globalSetup(): Promise<() => Promise<void>> {
  const cli = path.join(root, 'dist', 'cli.cjs');
  if (!existsSync(cli) || !existsSync(path.join(root, 'dist', 'renderer', 'index.html'))) {
    throw new Error('The app is not built. Run: npm run build');
  }
  const samba = await startSamba({ shares: [{ name: 'models', seed: async (dir) => void (await writeDemoLibrary(dir)) }] });
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ms-e2e-data-'));
  const server = spawn(process.execPath, [cli, 'serve', '--port', '0', '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, MODELSHELF_PASSWORD: undefined },
  });
  let stderr = '';
  server.stderr.on('data', (d) => {
    stderr += String(d);
  });
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${stderr}`)), 30_000);
    server.stdout.on('data', (d) => {
      out += String(d);
      const m = /running at (http\S+)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    server.once('exit', (code) => reject(new Error(`server exited with ${code}: ${stderr}`)));
  });
  process.env.E2E_APP_URL = url;
  process.env.E2E_SMB_URL = samba.url('models');
  process.env.E2E_SMB_USER = samba.user;
  process.env.E2E_SMB_PASSWORD = samba.password;
  process.env.E2E_SMB_PORT = String(samba.port);

  return async () => {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await samba.stop();
    await rm(dataDir, { recursive: true, force: true });
  };
}
