// WS-Discovery (SOAP over UDP, what Windows' "Network" folder uses since SMB1 browsing was removed):
// multicast a Probe for wsdp:Device to 239.255.255.250:3702, collect ProbeMatches, Resolve the ones
// that carry no XAddrs, then ask each device's metadata endpoint (WS-Transfer Get over HTTP) for its
// friendly name and pub:Computer ("NAME/Workgroup:WG"). Only XAddrs on the address the answer came
// from are fetched: a reply cannot make us connect anywhere else.
import { randomUUID } from 'node:crypto';
import dgram from 'node:dgram';
import http from 'node:http';
import { XMLParser } from 'fast-xml-parser';
import type { ProtocolRun, Sighting } from './types';

export const WSD_GROUP = '239.255.255.250';
export const WSD_PORT = 3702;
const MAX_MESSAGE = 65_536;
const MAX_DEVICES = 256;

const NS = [
  'xmlns:soap="http://www.w3.org/2003/05/soap-envelope"',
  'xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"',
  'xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"',
  'xmlns:wsdp="http://schemas.xmlsoap.org/ws/2006/02/devprof"',
].join(' ');
const ACTION = {
  probe: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe',
  probeMatches: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches',
  resolve: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/Resolve',
  resolveMatches: 'http://schemas.xmlsoap.org/ws/2005/04/discovery/ResolveMatches',
  get: 'http://schemas.xmlsoap.org/ws/2004/09/transfer/Get',
};
const TO_DISCOVERY = 'urn:schemas-xmlsoap-org:ws:2005:04:discovery';
const ANONYMOUS = 'http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous';

function xmlEscape(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}

function envelope(to: string, action: string, messageId: string, body: string, replyTo = false): string {
  const reply = replyTo ? `<wsa:ReplyTo><wsa:Address>${ANONYMOUS}</wsa:Address></wsa:ReplyTo>` : '';
  return (
    `<?xml version="1.0" encoding="utf-8"?><soap:Envelope ${NS}><soap:Header>` +
    `<wsa:To>${xmlEscape(to)}</wsa:To><wsa:Action>${action}</wsa:Action><wsa:MessageID>${messageId}</wsa:MessageID>${reply}` +
    `</soap:Header><soap:Body>${body}</soap:Body></soap:Envelope>`
  );
}

/** A Probe for devices (Windows and wsdd answer 'wsdp:Device'). */
export function probeMessage(messageId = `urn:uuid:${randomUUID()}`): string {
  return envelope(TO_DISCOVERY, ACTION.probe, messageId, '<wsd:Probe><wsd:Types>wsdp:Device</wsd:Types></wsd:Probe>');
}

export function resolveMessage(endpoint: string, messageId = `urn:uuid:${randomUUID()}`): string {
  return envelope(
    TO_DISCOVERY,
    ACTION.resolve,
    messageId,
    `<wsd:Resolve><wsa:EndpointReference><wsa:Address>${xmlEscape(endpoint)}</wsa:Address></wsa:EndpointReference></wsd:Resolve>`,
  );
}

export function getMessage(endpoint: string, messageId = `urn:uuid:${randomUUID()}`): string {
  return envelope(endpoint, ACTION.get, messageId, '', true);
}

const parser = new XMLParser({
  removeNSPrefix: true,
  ignoreAttributes: true,
  processEntities: false,
  parseTagValue: false,
  trimValues: true,
  maxNestedTags: 64,
});

type Node = Record<string, unknown>;

function child(n: unknown, ...path: string[]): unknown {
  let cur = n;
  for (const p of path) {
    if (Array.isArray(cur)) cur = cur[0];
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Node)[p];
  }
  return cur;
}

function text(n: unknown): string | null {
  if (Array.isArray(n)) return text(n[0]);
  if (typeof n === 'string') return n.trim() || null;
  if (typeof n === 'number') return String(n);
  if (n && typeof n === 'object' && '#text' in n) return text((n as Node)['#text']);
  return null;
}

function list(n: unknown): unknown[] {
  if (n === undefined || n === null) return [];
  return Array.isArray(n) ? n : [n];
}

export interface WsdMatch {
  action: 'probe' | 'resolve';
  relatesTo: string | null;
  endpoint: string;
  types: string[];
  xaddrs: string[];
}

/** ProbeMatches / ResolveMatches → matches; anything else → []. */
export function parseMatches(xml: string): WsdMatch[] {
  if (xml.length > MAX_MESSAGE) return [];
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return [];
  }
  const action = text(child(doc, 'Envelope', 'Header', 'Action'));
  const relatesTo = text(child(doc, 'Envelope', 'Header', 'RelatesTo'));
  const kind = action === ACTION.probeMatches ? 'probe' : action === ACTION.resolveMatches ? 'resolve' : null;
  if (!kind) return [];
  const body = child(doc, 'Envelope', 'Body', kind === 'probe' ? 'ProbeMatches' : 'ResolveMatches');
  const out: WsdMatch[] = [];
  for (const m of list(child(body, kind === 'probe' ? 'ProbeMatch' : 'ResolveMatch'))) {
    const endpoint = text(child(m, 'EndpointReference', 'Address'));
    if (!endpoint) continue;
    const split = (v: string | null) => (v ?? '').split(/\s+/).filter((x) => x !== '');
    out.push({ action: kind, relatesTo, endpoint, types: split(text(child(m, 'Types'))), xaddrs: split(text(child(m, 'XAddrs'))) });
  }
  return out;
}

export interface WsdMetadata {
  friendlyName: string | null;
  manufacturer: string | null;
  modelName: string | null;
  /** From pub:Computer "NAME/Workgroup:WG" or "NAME/Domain:example.com". */
  computerName: string | null;
  workgroup: string | null;
  domain: string | null;
  isComputer: boolean;
}

/** A WS-Transfer GetResponse (device metadata) → the fields we show. */
export function parseMetadata(xml: string): WsdMetadata | null {
  if (xml.length > MAX_MESSAGE) return null;
  let doc: unknown;
  try {
    doc = parser.parse(xml);
  } catch {
    return null;
  }
  const meta = child(doc, 'Envelope', 'Body', 'Metadata');
  if (!meta) return null;
  const out: WsdMetadata = {
    friendlyName: null,
    manufacturer: null,
    modelName: null,
    computerName: null,
    workgroup: null,
    domain: null,
    isComputer: false,
  };
  for (const section of list(child(meta, 'MetadataSection'))) {
    out.friendlyName ??= text(child(section, 'ThisDevice', 'FriendlyName'));
    out.manufacturer ??= text(child(section, 'ThisModel', 'Manufacturer'));
    out.modelName ??= text(child(section, 'ThisModel', 'ModelName'));
    for (const host of list(child(section, 'Relationship', 'Host'))) {
      const types = text(child(host, 'Types')) ?? '';
      if (/(^|\s|:)Computer(\s|$)/.test(types)) out.isComputer = true;
      const computer = text(child(host, 'Computer'));
      if (computer) {
        out.isComputer = true;
        const m = /^([^/]+)\/(Workgroup|Domain):(.+)$/i.exec(computer);
        out.computerName = (m ? m[1] : computer)?.trim() || null;
        if (m?.[2]?.toLowerCase() === 'workgroup') out.workgroup = m[3]!.trim();
        else if (m) out.domain = m[3]!.trim();
      }
    }
  }
  return out;
}

/** The http:// XAddr on `address` (IPv4 or bracketed IPv6), or null: we never fetch anywhere else. */
export function pickXAddr(xaddrs: string[], address: string): URL | null {
  for (const x of xaddrs) {
    let u: URL;
    try {
      u = new URL(x);
    } catch {
      continue;
    }
    if (u.protocol !== 'http:') continue;
    if (u.hostname.replace(/^\[|\]$/g, '') === address) return u;
  }
  return null;
}

function httpGetMetadata(url: URL, endpoint: string, deadline: number): Promise<string | null> {
  const timeout = deadline - Date.now();
  if (timeout <= 50) return Promise.resolve(null);
  const body = getMessage(endpoint);
  return new Promise((resolve) => {
    const req = http.request(
      {
        host: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port ? Number(url.port) : 80,
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { 'Content-Type': 'application/soap+xml', 'Content-Length': Buffer.byteLength(body), 'User-Agent': 'Modelshelf' },
        timeout,
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_MESSAGE) {
            req.destroy();
            resolve(null);
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve(res.statusCode === 200 ? Buffer.concat(chunks).toString('utf8') : null));
        res.on('error', () => resolve(null));
      },
    );
    const timer = setTimeout(() => req.destroy(), timeout);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
    req.end(body);
  });
}

/** Sends Probes on each interface and reports every device that answers, until the deadline. */
export async function probeWsd(run: ProtocolRun, opts: { interfaces: string[]; group: string; port: number }): Promise<void> {
  const socket = dgram.createSocket({ type: 'udp4' });
  const seen = new Map<string, { address: string; resolved: boolean; asked: boolean }>();
  const multicast = /^2(2[4-9]|3\d)\./.test(opts.group);
  /** Sends to the group: once per interface for a multicast group, once for a unicast target (tests). */
  const sendToGroup = (message: string) => {
    for (const iface of multicast ? opts.interfaces : [null]) {
      if (iface !== null) {
        try {
          socket.setMulticastInterface(iface);
        } catch {
          continue;
        }
      }
      socket.send(message, opts.port, opts.group, () => {});
    }
  };
  const pending: Promise<void>[] = [];
  const ourIds = new Set<string>();

  const report = (endpoint: string, address: string, xaddrs: string[], types: string[]) => {
    const entry = seen.get(endpoint);
    if (!entry || entry.resolved) return;
    const url = pickXAddr(xaddrs, address);
    if (!url) return;
    entry.resolved = true;
    pending.push(
      httpGetMetadata(url, endpoint, run.deadline).then((xml) => {
        const meta = xml ? parseMetadata(xml) : null;
        const s: Sighting = { via: 'wsd', addresses: [address], hostnames: [] };
        if (meta?.friendlyName) s.friendlyName = meta.friendlyName;
        if (meta?.computerName) s.netbiosName = meta.computerName;
        if (meta?.workgroup) s.workgroup = meta.workgroup;
        const model = [meta?.manufacturer, meta?.modelName].filter((x) => x && x !== 'wsdd').join(' ');
        if (model) s.model = model;
        s.fileServer = meta?.isComputer ?? types.some((t) => /(^|:)Computer$/.test(t));
        run.onSighting(s);
      }),
    );
  };

  socket.on('message', (msg, rinfo) => {
    if (msg.length > MAX_MESSAGE) return;
    for (const m of parseMatches(msg.toString('utf8'))) {
      if (m.relatesTo !== null && !ourIds.has(m.relatesTo)) continue;
      if (!seen.has(m.endpoint)) {
        if (seen.size >= MAX_DEVICES) continue;
        seen.set(m.endpoint, { address: rinfo.address, resolved: false, asked: false });
      }
      const entry = seen.get(m.endpoint)!;
      if (m.xaddrs.length > 0) report(m.endpoint, entry.address, m.xaddrs, m.types);
      else if (m.action === 'probe' && !entry.asked) {
        // No XAddrs in the match (wsdd, some NAS): Resolve the endpoint. Resolve is multicast (wsdd,
        // like the standard, does not answer one sent to its unicast address).
        entry.asked = true;
        const id = `urn:uuid:${randomUUID()}`;
        ourIds.add(id);
        sendToGroup(resolveMessage(m.endpoint, id));
      }
    }
  });
  socket.on('error', () => {});

  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, () => {
      socket.removeListener('error', reject);
      resolve();
    });
  });
  try {
    if (multicast) socket.setMulticastTTL(1);
    // SOAP-over-UDP repeats multicast messages: a second probe covers one lost datagram.
    for (let round = 0; round < 2 && Date.now() < run.deadline && !run.signal.aborted; round++) {
      const id = `urn:uuid:${randomUUID()}`;
      ourIds.add(id);
      sendToGroup(probeMessage(id));
      await sleepUntil(Math.min(run.deadline, Date.now() + 250), run.signal);
    }
    await sleepUntil(run.deadline - 50, run.signal);
    await Promise.all(pending);
  } finally {
    socket.close();
  }
}

export function sleepUntil(when: number, signal: AbortSignal): Promise<void> {
  const ms = Math.max(0, when - Date.now());
  if (ms === 0 || signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
