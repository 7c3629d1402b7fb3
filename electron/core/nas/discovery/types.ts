// What each discovery protocol reports (a sighting) and how a run is configured. Sightings from every
// protocol are merged per device in merge.ts; the public Device shape lives in shared/contract.ts.
import type { DiscoveryMethod, MountedShare } from '../../../../shared/contract';

export interface Sighting {
  via: DiscoveryMethod;
  /** IP addresses the device answered from or advertised (IPv4 dotted, IPv6 without zone). */
  addresses: string[];
  /** DNS names: 'teamnas.local', 'nas.office.example'. */
  hostnames: string[];
  /** Bonjour instance name ("Team NAS"). */
  instanceName?: string;
  /** WS-Discovery FriendlyName ("WSD Device TEAMNAS", "DiskStation"). */
  friendlyName?: string;
  /** NetBIOS computer name (TEAMNAS), also from WS-Discovery pub:Computer. */
  netbiosName?: string;
  workgroup?: string;
  model?: string;
  /** DNS-SD service types seen ('_smb._tcp', '_adisk._tcp', '_device-info._tcp'). */
  services?: string[];
  smbPort?: number;
  /** The device says it serves files (NetBIOS <20>, _smb._tcp, a WSD pub:Computer). */
  fileServer?: boolean;
  mounted?: MountedShare;
}

/** Where each protocol sends. Defaults are the standard groups and ports on every IPv4 interface. */
export interface DiscoveryTargets {
  /** IPv4 addresses of the local interfaces to probe from (multicast). Default: every non-internal one. */
  interfaces?: string[];
  mdns?: { group?: string; port?: number };
  wsd?: { group?: string; port?: number };
  /** NetBIOS: where to send the broadcast queries (default: each interface's broadcast address) and the port (137). */
  netbios?: { addresses?: string[]; port?: number };
  /** OS-mounted shares: where to look (tests point these at captured files). */
  mounts?: MountProbeOptions;
}

export interface MountProbeOptions {
  platform?: NodeJS.Platform;
  procMountsPath?: string;
  /** Folder holding /run/user/<uid>/gvfs folders (default /run/user). */
  gvfsRunRoot?: string;
  /** Runs `mount` (macOS) or `net use` (Windows) and returns stdout; injectable for tests. */
  runCommand?: (cmd: string, args: string[], timeoutMs: number) => Promise<string>;
}

export interface ProtocolRun {
  /** Milliseconds since epoch when the protocol must have returned. */
  deadline: number;
  signal: AbortSignal;
  onSighting(s: Sighting): void;
}

export interface ProtocolOutcome {
  method: DiscoveryMethod;
  /** A problem a person might need (could not listen on the port, no interfaces); null when it ran. */
  problem: string | null;
}
