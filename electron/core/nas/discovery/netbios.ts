// NetBIOS name service (RFC 1001/1002) over UDP 137: the oldest way Windows networks find file
// servers, and still answered by Samba's nmbd on most NAS. We broadcast a node-status request
// (NBSTAT) and a wildcard name query, then ask every host that answered for its node status: its
// name table says the computer name, the workgroup, and — with a unique <20> name — that it serves
// files.
import dgram from 'node:dgram';
import type { ProtocolRun, Sighting } from './types';

export const NETBIOS_PORT = 137;
const TYPE_NB = 0x0020;
const TYPE_NBSTAT = 0x0021;
const CLASS_IN = 0x0001;
const MAX_TARGETS = 256;

export interface NetbiosName {
  name: string;
  /** The 16th byte: 0x00 workstation/domain, 0x20 file server, 0x1d/0x1e browser roles, … */
  suffix: number;
  group: boolean;
}

export interface NodeStatus {
  names: NetbiosName[];
  /** Unit id (MAC address) as aa:bb:cc:dd:ee:ff; null when absent or all zero. */
  mac: string | null;
}

/** First-level encoding of a NetBIOS name (RFC 1001 14.1) as a DNS label: 32 letters 'A'..'P'. */
export function encodeNetbiosName(name: string, suffix: number): Buffer {
  const raw = Buffer.alloc(16, 0x20);
  if (name === '*') raw.fill(0); // the wildcard is '*' followed by fifteen NULs
  Buffer.from(name.toUpperCase().slice(0, 15), 'latin1').copy(raw);
  raw[15] = suffix & 0xff;
  const out = Buffer.alloc(34);
  out[0] = 32;
  for (let i = 0; i < 16; i++) {
    out[1 + 2 * i] = 0x41 + (raw[i]! >> 4);
    out[2 + 2 * i] = 0x41 + (raw[i]! & 0x0f);
  }
  out[33] = 0;
  return out;
}

function request(id: number, type: number, broadcast: boolean): Buffer {
  const h = Buffer.alloc(12);
  h.writeUInt16BE(id & 0xffff, 0);
  // Opcode 0 (query); B flag for broadcasts. NBSTAT requests carry no RD flag (RFC 1002 4.2.17).
  h.writeUInt16BE((broadcast ? 0x0010 : 0) | (type === TYPE_NB ? 0x0100 : 0), 2);
  h.writeUInt16BE(1, 4); // QDCOUNT
  const q = Buffer.alloc(4);
  q.writeUInt16BE(type, 0);
  q.writeUInt16BE(CLASS_IN, 2);
  return Buffer.concat([h, encodeNetbiosName('*', 0), q]);
}

/** NODE STATUS REQUEST for the wildcard name (what `nmblookup -A` and `nbtstat -A` send). */
export function nodeStatusRequest(id: number, broadcast = false): Buffer {
  return request(id, TYPE_NBSTAT, broadcast);
}

/** NAME QUERY REQUEST for '*': every NetBIOS host on the segment answers with its address. */
export function wildcardNameQuery(id: number): Buffer {
  return request(id, TYPE_NB, true);
}

/** Skips an encoded name (labels or a compression pointer); returns the offset after it. */
function skipName(buf: Buffer, offset: number): number {
  let at = offset;
  for (let labels = 0; labels < 64; labels++) {
    if (at >= buf.length) throw new Error('truncated name');
    const len = buf[at]!;
    if (len === 0) return at + 1;
    if ((len & 0xc0) === 0xc0) return at + 2;
    at += 1 + len;
  }
  throw new Error('name too long');
}

export type NetbiosReply =
  | { kind: 'status'; id: number; status: NodeStatus }
  | { kind: 'addresses'; id: number; addresses: string[] };

/** Parses a positive NODE STATUS or NAME QUERY response; null for anything else (or malformed). */
export function parseNetbiosReply(buf: Buffer): NetbiosReply | null {
  try {
    if (buf.length < 12) return null;
    const id = buf.readUInt16BE(0);
    const flags = buf.readUInt16BE(2);
    if ((flags & 0x8000) === 0) return null; // a request, not a response
    if ((flags & 0x000f) !== 0) return null; // RCODE: negative response
    const qd = buf.readUInt16BE(4);
    const an = buf.readUInt16BE(6);
    if (an < 1) return null;
    let at = 12;
    for (let i = 0; i < qd; i++) at = skipName(buf, at) + 4;
    at = skipName(buf, at);
    const type = buf.readUInt16BE(at);
    const rdLength = buf.readUInt16BE(at + 8);
    const rdata = buf.subarray(at + 10, at + 10 + rdLength);
    if (rdata.length < rdLength) return null;
    if (type === TYPE_NBSTAT) {
      const count = rdata[0] ?? 0;
      const names: NetbiosName[] = [];
      for (let n = 0; n < count; n++) {
        const off = 1 + n * 18;
        if (off + 18 > rdata.length) return null;
        const name = rdata
          .subarray(off, off + 15)
          .toString('latin1')
          .replace(/[\s\0]+$/, '');
        names.push({ name, suffix: rdata[off + 15]!, group: (rdata.readUInt16BE(off + 16) & 0x8000) !== 0 });
      }
      const statsAt = 1 + count * 18;
      const macBytes = rdata.subarray(statsAt, statsAt + 6);
      const mac = macBytes.length === 6 && macBytes.some((b) => b !== 0) ? [...macBytes].map((b) => b.toString(16).padStart(2, '0')).join(':') : null;
      return { kind: 'status', id, status: { names, mac } };
    }
    if (type === TYPE_NB) {
      const addresses: string[] = [];
      for (let off = 0; off + 6 <= rdata.length; off += 6) addresses.push([...rdata.subarray(off + 2, off + 6)].join('.'));
      return { kind: 'addresses', id, addresses };
    }
    return null;
  } catch {
    return null;
  }
}

/** The computer name, workgroup, and whether the name table announces a file server (<20>). */
export function describeNodeStatus(status: NodeStatus): { name: string | null; workgroup: string | null; fileServer: boolean } {
  const unique = status.names.filter((n) => !n.group);
  const server = unique.find((n) => n.suffix === 0x20);
  const workstation = unique.find((n) => n.suffix === 0x00);
  const group = status.names.find((n) => n.group && n.suffix === 0x00 && !n.name.includes('__MSBROWSE__'));
  return {
    name: (server ?? workstation)?.name || null,
    workgroup: group?.name || null,
    fileServer: server !== undefined,
  };
}

function isIPv4(a: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(a);
}

/**
 * Broadcasts to `broadcasts` (port `port`) and queries each host that answers, plus any address
 * handed to `query()` (hosts other protocols found), until the deadline.
 */
export class NetbiosProbe {
  private socket: dgram.Socket | null = null;
  private nextId = Math.floor(Math.random() * 0x7fff);
  private readonly asked = new Set<string>();
  private ready: Promise<void>;

  constructor(
    private readonly run: ProtocolRun,
    private readonly port: number,
  ) {
    const socket = dgram.createSocket({ type: 'udp4' });
    this.socket = socket;
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address));
    socket.on('error', () => {
      /* a send to an unreachable host: nothing to do */
    });
    this.ready = new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, () => {
        socket.removeListener('error', reject);
        socket.setBroadcast(true);
        resolve();
      });
    });
  }

  async broadcast(addresses: string[]): Promise<void> {
    await this.ready;
    for (const a of addresses.slice(0, MAX_TARGETS)) {
      this.send(nodeStatusRequest(this.id(), true), a);
      this.send(wildcardNameQuery(this.id()), a);
    }
  }

  /** Asks one host for its node status (once per run). */
  query(address: string): void {
    if (!isIPv4(address) || this.asked.has(address) || this.asked.size >= MAX_TARGETS || Date.now() >= this.run.deadline) return;
    this.asked.add(address);
    this.ready.then(() => this.send(nodeStatusRequest(this.id()), address)).catch(() => {});
  }

  close(): void {
    const s = this.socket;
    this.socket = null;
    try {
      s?.close();
    } catch {
      /* already closed */
    }
  }

  private id(): number {
    this.nextId = (this.nextId + 1) & 0x7fff;
    return this.nextId;
  }

  private send(packet: Buffer, address: string): void {
    if (!this.socket || this.run.signal.aborted) return;
    this.socket.send(packet, this.port, address, () => {});
  }

  private onMessage(msg: Buffer, from: string): void {
    const reply = parseNetbiosReply(msg);
    if (!reply) return;
    if (reply.kind === 'addresses') {
      for (const a of [from, ...reply.addresses]) this.query(a);
      return;
    }
    this.asked.add(from); // a broadcast NBSTAT answer needs no second question
    const d = describeNodeStatus(reply.status);
    if (!d.name) return;
    const s: Sighting = { via: 'netbios', addresses: [from], hostnames: [], netbiosName: d.name, fileServer: d.fileServer };
    if (d.workgroup) s.workgroup = d.workgroup;
    this.run.onSighting(s);
  }
}
