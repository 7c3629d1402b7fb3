// One row per device: sightings that share an address, a host name, or a name that is the same
// machine in another protocol (teamnas.local in Bonjour = TEAMNAS in NetBIOS) are one device.
import type { DiscoveryMethod, NasDevice } from '../../../../shared/contract';
import type { Sighting } from './types';

const METHOD_ORDER: DiscoveryMethod[] = ['mdns', 'wsd', 'netbios', 'mounted'];
/** Friendly names some stacks send for every machine: useless as a device name. */
const GENERIC_NAME = /^(WSD Device |Microsoft Publication Service Device Host$)/i;

function isIp(s: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(s) || s.includes(':');
}

/** 'teamnas.local' → 'teamnas'; 'Team%20NAS._smb._tcp.local' → instance key; an IP → ip key. */
function nameKeys(s: Sighting): string[] {
  const keys: string[] = [];
  for (const a of s.addresses) keys.push(`ip:${a.toLowerCase()}`);
  for (const h of s.hostnames) {
    if (isIp(h)) {
      keys.push(`ip:${h.toLowerCase()}`);
      continue;
    }
    const svc = /^(.+)\._smb\._tcp\.local\.?$/i.exec(h);
    if (svc) keys.push(`inst:${svc[1]!.toLowerCase()}`);
    else keys.push(`name:${h.split('.')[0]!.toLowerCase()}`);
  }
  if (s.netbiosName) keys.push(`name:${s.netbiosName.toLowerCase()}`);
  if (s.instanceName) keys.push(`inst:${s.instanceName.toLowerCase()}`);
  return keys;
}

function ipv4First(a: string, b: string): number {
  const v4 = (x: string) => (/^\d{1,3}(\.\d{1,3}){3}$/.test(x) ? 0 : 1);
  return v4(a) - v4(b);
}

export function mergeSightings(sightings: Sighting[]): NasDevice[] {
  // Union-find over sightings by shared keys.
  const parent = sightings.map((_, i) => i);
  const find = (i: number): number => {
    let r = i;
    while (parent[r] !== r) r = parent[r]!;
    while (parent[i] !== r) {
      const next = parent[i]!;
      parent[i] = r;
      i = next;
    }
    return r;
  };
  const owner = new Map<string, number>();
  sightings.forEach((s, i) => {
    for (const k of nameKeys(s)) {
      const o = owner.get(k);
      if (o === undefined) owner.set(k, i);
      else parent[find(i)] = find(o);
    }
  });
  const groups = new Map<number, Sighting[]>();
  sightings.forEach((s, i) => {
    const r = find(i);
    groups.set(r, [...(groups.get(r) ?? []), s]);
  });

  const devices: NasDevice[] = [];
  for (const group of groups.values()) {
    const addresses = [...new Set(group.flatMap((s) => s.addresses))].sort(ipv4First);
    const hostnames = [
      ...new Set([
        ...group.flatMap((s) => s.hostnames.filter((h) => !isIp(h))),
        ...group.flatMap((s) => (s.netbiosName ? [s.netbiosName] : [])),
      ]),
    ];
    const foundBy = METHOD_ORDER.filter((m) => group.some((s) => s.via === m));
    const pick = <K extends keyof Sighting>(key: K, via?: DiscoveryMethod[]): Sighting[K] | undefined => {
      for (const m of via ?? METHOD_ORDER) {
        const hit = group.find((s) => s.via === m && s[key] !== undefined && s[key] !== '');
        if (hit) return hit[key];
      }
      return undefined;
    };
    const friendly = group.map((s) => s.friendlyName).find((n) => n && !GENERIC_NAME.test(n));
    const smbPort = pick('smbPort', ['mdns', 'mounted']) ?? null;
    const mounted = group.flatMap((s) => (s.mounted ? [s.mounted] : []));
    const firstHost = hostnames[0];
    const name =
      pick('instanceName') ?? friendly ?? pick('netbiosName', ['wsd', 'netbios']) ?? firstHost?.split('.')[0] ?? addresses[0] ?? mounted[0]?.host ?? '?';
    const connectTo = addresses[0] ?? firstHost ?? mounted[0]?.host ?? name;
    const host = connectTo.includes(':') ? `[${connectTo}]` : connectTo;
    devices.push({
      id: addresses[0] ?? (firstHost ?? name).toLowerCase(),
      name,
      addresses,
      hostnames,
      foundBy,
      fileServer: group.some((s) => s.fileServer === true) || mounted.length > 0,
      smbPort: smbPort !== undefined && smbPort !== null && smbPort !== 445 ? smbPort : null,
      model: pick('model') ?? null,
      workgroup: pick('workgroup', ['wsd', 'netbios']) ?? null,
      services: [...new Set(group.flatMap((s) => s.services ?? []))].sort(),
      mounted,
      url: `smb://${host}${smbPort && smbPort !== 445 ? `:${smbPort}` : ''}`,
    });
  }
  // File servers first, then by name: the NAS a person is looking for is near the top.
  return devices.sort((a, b) => Number(b.fileServer) - Number(a.fileServer) || a.name.localeCompare(b.name));
}
