import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMountFor, listMountedShares, parseGvfsName, parseMacMount, parseNetUse, parseProcMounts } from './mounted';

// Captured shapes (addresses from the documentation range).
const PROC_MOUNTS = `sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0
/dev/nvme0n1p2 / ext4 rw,relatime 0 0
//192.0.2.20/models /mnt/models cifs rw,relatime,vers=3.1.1,cache=strict,username=ana,domain=OFFICE,uid=1000,noforceuid,gid=1000,noforcegid,addr=192.0.2.20,file_mode=0755,dir_mode=0755,soft,nounix,serverino,mapposix,rsize=4194304,wsize=4194304,bsize=1048576,echo_interval=60,actimeo=1,closetimeo=1 0 0
//teamnas.local/Team\\040Models/runs /mnt/team\\040runs smb3 rw,relatime,vers=3.0,username=guest,addr=192.0.2.21,port=4450 0 0
tmpfs /run/user/1000 tmpfs rw,nosuid,nodev,relatime,size=1620736k,mode=700,uid=1000,gid=1000 0 0
`;

const MAC_MOUNT = `/dev/disk3s1s1 on / (apfs, sealed, local, read-only, journaled)
devfs on /dev (devfs, local, nobrowse)
//ana@Team%20NAS._smb._tcp.local/models on /Volumes/models (smbfs, nodev, nosuid, mounted by ana)
//GUEST:@192.0.2.20/public%20data on /Volumes/public data (smbfs, nodev, nosuid, mounted by ana)
map auto_home on /System/Volumes/Data/home (autofs, automounted, nobrowse)
`;

const NET_USE = `New connections will be remembered.


Status       Local     Remote                    Network

-------------------------------------------------------------------------------
OK           Z:        \\\\nas\\models               Microsoft Windows Network
Disconnected Y:        \\\\192.0.2.20\\Team Data    Microsoft Windows Network
OK           W:        \\\\very-long-server-name\\a-very-long-share-name\\sub
                                                Microsoft Windows Network
OK                     \\\\nas\\IPC$                 Microsoft Windows Network
The command completed successfully.
`;

describe('mounted shares', () => {
  it('reads cifs and smb3 lines of /proc/mounts (octal escapes, user, domain, port, addr)', () => {
    expect(parseProcMounts(PROC_MOUNTS)).toEqual([
      {
        mount: { url: 'smb://OFFICE;ana@192.0.2.20/models', host: '192.0.2.20', share: 'models', mountPoint: '/mnt/models', via: 'cifs' },
        addresses: ['192.0.2.20'],
      },
      {
        mount: {
          url: 'smb://teamnas.local:4450/Team%20Models/runs',
          host: 'teamnas.local',
          share: 'Team Models',
          mountPoint: '/mnt/team runs',
          via: 'cifs',
        },
        addresses: ['192.0.2.21'],
      },
    ]);
  });

  it('reads gvfs mount folder names', () => {
    expect(parseGvfsName('smb-share:domain=OFFICE,server=nas.local,share=models,user=ana', '/run/user/1000/gvfs/x')?.mount).toEqual({
      url: 'smb://OFFICE;ana@nas.local/models',
      host: 'nas.local',
      share: 'models',
      mountPoint: '/run/user/1000/gvfs/x',
      via: 'gvfs',
    });
    expect(parseGvfsName('smb-share:port=4450,server=192.0.2.20,share=team%20data', '/g')?.mount.url).toBe('smb://192.0.2.20:4450/team%20data');
    expect(parseGvfsName('sftp:host=nas.local', '/g')).toBeNull();
    expect(parseGvfsName('smb-share:server=nas.local', '/g')).toBeNull();
  });

  it('reads smbfs lines of macOS mount (Bonjour names, percent-encoding, guest, spaces in the mount point)', () => {
    expect(parseMacMount(MAC_MOUNT).map((f) => f.mount)).toEqual([
      {
        url: 'smb://ana@team%20nas._smb._tcp.local/models',
        host: 'team nas._smb._tcp.local',
        share: 'models',
        mountPoint: '/Volumes/models',
        via: 'smbfs',
      },
      { url: 'smb://192.0.2.20/public%20data', host: '192.0.2.20', share: 'public data', mountPoint: '/Volumes/public data', via: 'smbfs' },
    ]);
  });

  it('reads mapped drives from `net use`, including wrapped long lines, and skips IPC$', () => {
    expect(parseNetUse(NET_USE).map((f) => [f.mount.mountPoint, f.mount.url])).toEqual([
      ['Z:\\', 'smb://nas/models'],
      ['Y:\\', 'smb://192.0.2.20/Team%20Data'],
      ['W:\\', 'smb://very-long-server-name/a-very-long-share-name/sub'],
    ]);
    // Localised status words do not matter.
    expect(parseNetUse('Getrennt     X:        \\\\nas\\daten               Microsoft Windows-Netzwerk')[0]?.mount.url).toBe('smb://nas/daten');
  });

  it('lists Linux mounts from /proc/mounts and gvfs folders, and finds the mount of a folder', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'ms-mounts-'));
    try {
      await writeFile(path.join(dir, 'mounts'), PROC_MOUNTS);
      await mkdir(path.join(dir, 'run', '1000', 'gvfs', 'smb-share:server=nas.local,share=models,user=ana'), { recursive: true });
      await mkdir(path.join(dir, 'run', 'not-a-uid', 'gvfs', 'smb-share:server=x,share=y'), { recursive: true });
      const found = await listMountedShares({ platform: 'linux', procMountsPath: path.join(dir, 'mounts'), gvfsRunRoot: path.join(dir, 'run') });
      expect(found.map((f) => f.mount.via)).toEqual(['cifs', 'cifs', 'gvfs']);
      expect(findMountFor(found, '/mnt/models/llm/v2')).toMatchObject({ found: { mount: { share: 'models' } }, rest: 'llm/v2' });
      expect(findMountFor(found, '/mnt/modelsX')).toBeNull();
      const mac = await listMountedShares({ platform: 'darwin', runCommand: async (cmd) => (cmd === 'mount' ? MAC_MOUNT : '') });
      expect(mac).toHaveLength(2);
      const win = await listMountedShares({ platform: 'win32', runCommand: async () => NET_USE });
      expect(win).toHaveLength(3);
      const broken = await listMountedShares({ platform: 'darwin', runCommand: async () => Promise.reject(new Error('no mount')) });
      expect(broken).toEqual([]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
