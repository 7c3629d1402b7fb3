// Discovery end to end on a private LAN (two network namespaces joined by a veth pair): a "NAS"
// runs avahi-daemon (Bonjour: _smb, _adisk, _device-info), wsdd (WS-Discovery) and nmbd (NetBIOS),
// each with its own config; `modelshelf discover` runs in the other namespace with its defaults —
// exactly what a person runs — and must find one device with everything each protocol knows.
// All multicast and broadcasts stay on the veth pair.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NasDevice } from '../../shared/contract';
import {
  buildCliBundle,
  buildScript,
  createTestLan,
  type Daemon,
  startAvahi,
  startNmbd,
  startWsdd,
  type TestLan,
  udpPortsInNas,
  waitUntil,
} from './nas-network';

const SERVICES = `<?xml version="1.0" standalone='no'?>
<!DOCTYPE service-group SYSTEM "avahi-service.dtd">
<service-group>
  <name>Team NAS</name>
  <service><type>_smb._tcp</type><port>445</port></service>
  <service><type>_device-info._tcp</type><port>0</port><txt-record>model=RackMac</txt-record></service>
  <service><type>_adisk._tcp</type><port>9</port><txt-record>sys=waMa=0,adVF=0x100</txt-record><txt-record>dk0=adVN=TimeMachine,adVF=0x82</txt-record></service>
</service-group>
`;

const PER_PROTOCOL = `
import { discoverNas } from './index';
(async () => {
  const methods = ['mdns', 'wsd', 'netbios'] as const;
  const runs = await Promise.all(methods.map((m) => discoverNas({ methods: [m], timeoutMs: 3000 })));
  process.stdout.write(JSON.stringify(Object.fromEntries(methods.map((m, i) => [m, runs[i]]))));
})();
`;

describe('modelshelf discover on a private LAN', () => {
  let lan: TestLan;
  let work: string;
  let bundle: { cli: string; env: NodeJS.ProcessEnv };
  let probe: string;
  const daemons: Daemon[] = [];

  beforeAll(async () => {
    lan = await createTestLan();
    work = await mkdtemp(path.join(os.tmpdir(), 'ms-discover-'));
    daemons.push(await startAvahi(lan, { hostName: 'teamnas', services: SERVICES }));
    daemons.push(startWsdd(lan, { hostName: 'TEAMNAS', workgroup: 'OFFICE', uuid: '3b4a2c1e-1111-4222-8333-444455556666' }));
    daemons.push(await startNmbd(lan, { netbiosName: 'TEAMNAS', workgroup: 'OFFICE' }));
    bundle = await buildCliBundle(work);
    probe = await buildScript(PER_PROTOCOL, path.join(__dirname, '..', 'core', 'nas', 'discovery'), path.join(work, 'probe.cjs'));
    const ready = await waitUntil(() => {
      const ports = udpPortsInNas(lan);
      return [5353, 3702, 137].every((p) => ports.includes(p)) && /successfully established/.test(daemons[0]!.output());
    }, 20_000);
    if (!ready) throw new Error(`responders did not start:\n${daemons.map((d) => `--- ${d.name}\n${d.output()}`).join('\n')}`);
  }, 600_000); // the first run may install the packages

  afterAll(async () => {
    await lan?.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const cli = (args: string[]) =>
    lan.runInClient([process.execPath, bundle.cli, ...args, '--data-dir', path.join(work, 'data')], {
      env: { ...bundle.env, MODELSHELF_KEYRING: 'off' },
      timeoutMs: 60_000,
    });

  it('each protocol finds the NAS on its own', () => {
    const r = lan.runInClient([process.execPath, probe], { env: bundle.env, timeoutMs: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    const found = JSON.parse(r.stdout) as Record<string, { devices: NasDevice[]; outcomes: Array<{ problem: string | null }> }>;
    for (const m of ['mdns', 'wsd', 'netbios']) expect(found[m]?.outcomes, m).toEqual([{ method: m, problem: null }]);

    // Bonjour: the instance name, host name, SMB port, model and the three service types.
    expect(found.mdns?.devices).toEqual([
      expect.objectContaining({
        name: 'Team NAS',
        addresses: [lan.nasAddress],
        hostnames: ['teamnas.local'],
        foundBy: ['mdns'],
        fileServer: true,
        model: 'RackMac',
        services: ['_adisk._tcp', '_device-info._tcp', '_smb._tcp'],
      }),
    ]);
    // WS-Discovery: Probe → Resolve → Get gives the computer name and workgroup.
    expect(found.wsd?.devices).toEqual([
      expect.objectContaining({ name: 'TEAMNAS', addresses: [lan.nasAddress], foundBy: ['wsd'], fileServer: true, workgroup: 'OFFICE' }),
    ]);
    // NetBIOS: the node status says TEAMNAS<20> (a file server) in OFFICE.
    expect(found.netbios?.devices).toEqual([
      expect.objectContaining({ name: 'TEAMNAS', addresses: [lan.nasAddress], foundBy: ['netbios'], fileServer: true, workgroup: 'OFFICE' }),
    ]);
  });

  it('`modelshelf discover --json` merges them into one row with its addresses, names and how it was found', () => {
    const r = cli(['discover', '--json', '--timeout', '4']);
    expect(r.status, r.stderr).toBe(0);
    const devices = JSON.parse(r.stdout) as NasDevice[];
    expect(devices).toEqual([
      {
        id: lan.nasAddress,
        name: 'Team NAS',
        addresses: [lan.nasAddress],
        hostnames: ['teamnas.local', 'TEAMNAS'],
        foundBy: ['mdns', 'wsd', 'netbios'],
        fileServer: true,
        smbPort: null,
        model: 'RackMac',
        workgroup: 'OFFICE',
        services: ['_adisk._tcp', '_device-info._tcp', '_smb._tcp'],
        mounted: [],
        url: `smb://${lan.nasAddress}`,
      },
    ]);
  });

  it('`modelshelf discover` prints the device and what to run next', () => {
    const started = Date.now();
    const r = cli(['discover', '--timeout', '2']);
    expect(r.status, r.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/Looking for NAS for 2 s/);
    expect(r.stdout).toContain(`Team NAS  ${lan.nasAddress}  (teamnas.local, TEAMNAS)  found by Bonjour, WS-Discovery, NetBIOS  model RackMac  workgroup OFFICE`);
    expect(r.stdout).toContain(`    shares: modelshelf shares smb://${lan.nasAddress}`);
  });
});
