// A Samba for one benchmark (the project's startSamba harness: loopback port, temp state, test user)
// plus an smbclient auth file, so the reference tool never gets the password on its command line,
// and smbd's CPU time (the server shares the 2 cores with the engine: it matters where time goes).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type SambaOptions, type SambaServer, startSamba } from '../../../electron/testing/samba';
import { ensureSmbclient, statFields } from './proc';

export interface SambaEnv {
  server: SambaServer;
  smbclient: string;
  /** smbclient arguments that reach `share` as the test user. */
  smbclientArgs(share: string): string[];
  /** CPU ms used so far by smbd and its per-connection children (finished children included). */
  smbdCpuMs(): number;
  stop(): Promise<void>;
}

/** CPU of every process in a process group (smbd runs in its own session), plus reaped children. */
function groupCpuMs(pgid: number): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    const f = statFields(pid);
    if (!f || Number(f[2]) !== pgid) continue;
    ticks += Number(f[11]) + Number(f[12]);
    if (Number(pid) === pgid) ticks += Number(f[13]) + Number(f[14]);
  }
  return ticks * 10; // USER_HZ = 100 on Linux
}

export async function startBenchSamba(opts: SambaOptions): Promise<SambaEnv> {
  const smbclient = ensureSmbclient();
  const server = await startSamba(opts);
  const auth = path.join(server.root, 'smbclient.auth');
  writeFileSync(auth, `username = ${server.user}\npassword = ${server.password}\ndomain = MODELSHELF\n`, { mode: 0o600 });
  const smbdPid = Number(readFileSync(path.join(server.root, 'pid', 'smbd.pid'), 'utf8').trim());
  return {
    server,
    smbclient,
    smbclientArgs: (share) => [`//127.0.0.1/${share}`, '-p', String(server.port), '-A', auth],
    smbdCpuMs: () => groupCpuMs(smbdPid),
    // (the harness's stop also ends the samba-dcerpcd helpers smbd started in their own group)
    stop: () => server.stop(),
  };
}
