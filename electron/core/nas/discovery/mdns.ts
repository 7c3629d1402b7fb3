// Bonjour / DNS-SD (multicast DNS, 224.0.0.251:5353) through bonjour-service: browse _smb._tcp (SMB
// file servers), _adisk._tcp (Time Machine disks, which NAS advertise) and _device-info._tcp (the
// model, e.g. "RackMac", shown by Finder). One browser per local interface, so a laptop on Wi-Fi and
// Ethernet asks on both.
import type { EventEmitter } from 'node:events';
import { Bonjour, type Service, type ServiceConfig } from 'bonjour-service';
import type { ProtocolRun, Sighting } from './types';
import { sleepUntil } from './wsd';

export const MDNS_GROUP = '224.0.0.251';
export const MDNS_PORT = 5353;
export const MDNS_TYPES = ['smb', 'adisk', 'device-info'] as const;

/** The parts of a bonjour-service Service we read (also what tests build by hand). */
export type BrowsedService = Pick<Service, 'name' | 'type' | 'port' | 'host' | 'addresses' | 'txt' | 'referer'>;

function usableAddress(a: string): boolean {
  // Link-local IPv6 needs a zone id to be used; it only adds noise to a device row.
  return a !== '' && !/^fe80:/i.test(a);
}

/** A browsed service → a sighting. */
export function serviceToSighting(svc: BrowsedService): Sighting {
  const type = `_${svc.type}._tcp`;
  const addresses = [...(svc.addresses ?? [])];
  if (svc.referer?.address) addresses.unshift(svc.referer.address);
  const s: Sighting = {
    via: 'mdns',
    addresses: [...new Set(addresses.filter(usableAddress))],
    hostnames: svc.host ? [svc.host.replace(/\.$/, '')] : [],
    services: [type],
  };
  if (svc.name) s.instanceName = svc.name;
  if (svc.type === 'smb') {
    s.fileServer = true;
    if (Number.isInteger(svc.port) && svc.port > 0) s.smbPort = svc.port;
  }
  const txt = (svc.txt ?? {}) as Record<string, unknown>;
  if (svc.type === 'device-info' && typeof txt.model === 'string' && txt.model !== '') s.model = txt.model;
  return s;
}

/** Browses the three service types from every interface until the deadline. */
export async function browseMdns(run: ProtocolRun, opts: { interfaces: string[]; group: string; port: number }): Promise<string | null> {
  const instances: Bonjour[] = [];
  const problems: string[] = [];
  try {
    for (const iface of opts.interfaces) {
      // multicast-dns options (bonjour-service passes them through): bind to the wildcard address so
      // multicast answers arrive, send and join the group on this interface only.
      const mdnsOptions = { interface: iface, bind: '0.0.0.0', port: opts.port, ip: opts.group, loopback: false };
      const b = new Bonjour(mdnsOptions as unknown as Partial<ServiceConfig>, (err: unknown) => problems.push(String(err)));
      // multicast-dns reports a failed bind (port in use, no permission) as an 'error' event that
      // nothing else listens to: without this it would take the whole process down.
      const mdns = (b as unknown as { server?: { mdns?: EventEmitter } }).server?.mdns;
      mdns?.on('error', (err: Error) => problems.push(`${iface}: ${err.message}`));
      instances.push(b);
      const browsers = MDNS_TYPES.map((type) => b.find({ type, protocol: 'tcp' }, (svc) => run.onSighting(serviceToSighting(svc))));
      // One repeat after a second covers a lost query or answer.
      setTimeout(() => {
        if (!run.signal.aborted && Date.now() < run.deadline - 200) for (const br of browsers) br.update();
      }, 1000).unref();
    }
    await sleepUntil(run.deadline - 30, run.signal);
    return problems.length > 0 && problems.length >= instances.length ? problems[0]! : null;
  } finally {
    await Promise.all(
      instances.map(
        (b) =>
          new Promise<void>((resolve) => {
            const fallback = setTimeout(resolve, 500);
            const done = () => {
              clearTimeout(fallback);
              resolve();
            };
            try {
              b.destroy(done);
            } catch {
              done();
            }
          }),
      ),
    );
  }
}
