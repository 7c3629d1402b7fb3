// Finds the NAS: Bonjour, WS-Discovery, NetBIOS and the OS's own mounts, all at once under one
// timeout, merged into one row per device. Every target (interfaces, groups, ports, mount sources)
// can be injected, so tests aim the probes at responders they started themselves.
import os from 'node:os';
import type { DiscoveryMethod, NasDevice } from '../../../../shared/contract';
import { browseMdns, MDNS_GROUP, MDNS_PORT } from './mdns';
import { mergeSightings } from './merge';
import { listMountedShares } from './mounted';
import { NETBIOS_PORT, NetbiosProbe } from './netbios';
import type { DiscoveryTargets, ProtocolOutcome, ProtocolRun, Sighting } from './types';
import { probeWsd, WSD_GROUP, WSD_PORT } from './wsd';

export type { DiscoveryTargets } from './types';

export const DEFAULT_DISCOVERY_TIMEOUT_MS = 4000;
const MAX_SIGHTINGS = 2000;

export interface DiscoveryOptions extends DiscoveryTargets {
  timeoutMs?: number;
  /** Protocols to run (default: all four). */
  methods?: DiscoveryMethod[];
  signal?: AbortSignal;
}

export interface DiscoveryResult {
  devices: NasDevice[];
  /** Per protocol: null, or what stopped it (e.g. "port 5353 is in use"). */
  outcomes: ProtocolOutcome[];
}

interface LocalInterface {
  address: string;
  broadcast: string;
}

/** IPv4 addresses of this computer's network interfaces (not loopback), with their broadcast address. */
export function localInterfaces(): LocalInterface[] {
  const out: LocalInterface[] = [];
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) {
      if (a.family !== 'IPv4' || a.internal) continue;
      out.push({ address: a.address, broadcast: broadcastAddress(a.address, a.netmask) });
    }
  }
  return out;
}

export function broadcastAddress(address: string, netmask: string): string {
  const a = address.split('.').map(Number);
  const m = netmask.split('.').map(Number);
  return a.map((x, i) => (x | (~(m[i] ?? 0) & 0xff)) & 0xff).join('.');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export async function discoverNas(opts: DiscoveryOptions = {}): Promise<DiscoveryResult> {
  const timeoutMs = Math.max(200, Math.min(30_000, opts.timeoutMs ?? DEFAULT_DISCOVERY_TIMEOUT_MS));
  const deadline = Date.now() + timeoutMs;
  const controller = new AbortController();
  const onAbort = () => controller.abort();
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  const hardStop = setTimeout(() => controller.abort(), timeoutMs + 1500);

  const methods = new Set<DiscoveryMethod>(opts.methods ?? ['mdns', 'wsd', 'netbios', 'mounted']);
  const ifaces = localInterfaces();
  const interfaces = opts.interfaces ?? ifaces.map((i) => i.address);
  const sightings: Sighting[] = [];
  let netbios: NetbiosProbe | null = null;
  const run: ProtocolRun = {
    deadline,
    signal: controller.signal,
    onSighting(s) {
      if (sightings.length >= MAX_SIGHTINGS) return;
      sightings.push(s);
      // Ask every host that answered on the network for its NetBIOS name too (not mounted shares'
      // servers: those may be far away, behind a VPN).
      if (s.via === 'mdns' || s.via === 'wsd') for (const a of s.addresses) netbios?.query(a);
    },
  };

  const noInterfaces = 'This computer has no network connection to search on.';
  const tasks: Array<Promise<ProtocolOutcome>> = [];
  const attempt = (method: DiscoveryMethod, fn: () => Promise<unknown>) =>
    tasks.push(
      fn().then(
        (problem) => ({ method, problem: typeof problem === 'string' ? problem : null }),
        (err: unknown) => ({ method, problem: message(err) }),
      ),
    );

  if (methods.has('netbios')) {
    const targets = opts.netbios?.addresses ?? ifaces.map((i) => i.broadcast);
    attempt('netbios', async () => {
      if (targets.length === 0) return noInterfaces;
      netbios = new NetbiosProbe(run, opts.netbios?.port ?? NETBIOS_PORT);
      await netbios.broadcast(targets);
      await waitFor(run);
    });
  }
  if (methods.has('mdns')) {
    attempt('mdns', async () =>
      interfaces.length === 0
        ? noInterfaces
        : browseMdns(run, { interfaces, group: opts.mdns?.group ?? MDNS_GROUP, port: opts.mdns?.port ?? MDNS_PORT }),
    );
  }
  if (methods.has('wsd')) {
    const group = opts.wsd?.group ?? WSD_GROUP;
    attempt('wsd', async () =>
      interfaces.length === 0 && group === WSD_GROUP
        ? noInterfaces
        : probeWsd(run, { interfaces, group, port: opts.wsd?.port ?? WSD_PORT }),
    );
  }
  if (methods.has('mounted')) {
    attempt('mounted', async () => {
      for (const f of await listMountedShares(opts.mounts, Math.max(100, deadline - Date.now()))) {
        run.onSighting({ via: 'mounted', addresses: f.addresses, hostnames: [f.mount.host], mounted: f.mount });
      }
    });
  }

  try {
    const outcomes = await Promise.all(tasks);
    return { devices: mergeSightings(sightings), outcomes };
  } finally {
    clearTimeout(hardStop);
    opts.signal?.removeEventListener('abort', onAbort);
    (netbios as NetbiosProbe | null)?.close();
  }
}

function waitFor(run: ProtocolRun): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, Math.max(0, run.deadline - 30 - Date.now()));
    function done() {
      clearTimeout(t);
      run.signal.removeEventListener('abort', done);
      resolve();
    }
    run.signal.addEventListener('abort', done, { once: true });
  });
}
