import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  describeNodeStatus,
  encodeNetbiosName,
  NetbiosProbe,
  nodeStatusRequest,
  parseNetbiosReply,
  wildcardNameQuery,
} from './netbios';
import type { Sighting } from './types';

// nmbd 4.17 ("netbios name = TEAMNAS", "workgroup = OFFICE") answering `nodeStatusRequest`, captured
// in the discovery test's network namespace.
const captured = Buffer.from(readFileSync(path.join(__dirname, 'fixtures', 'nmbd-node-status.hex'), 'utf8').trim(), 'hex');

describe('NetBIOS packets', () => {
  it('encodes names with first-level encoding (RFC 1001 14.1)', () => {
    expect(encodeNetbiosName('*', 0).subarray(1, 33).toString('latin1')).toBe(`CK${'A'.repeat(30)}`);
    // "FRED" padded with spaces, suffix 0x20 (the RFC's own example alphabet: F=0x46 → 'EG').
    expect(encodeNetbiosName('fred', 0x20).subarray(1, 9).toString('latin1')).toBe('EGFCEFEE');
    expect(encodeNetbiosName('fred', 0x20).subarray(31, 33).toString('latin1')).toBe('CA');
  });

  it('builds node-status and wildcard name-query requests', () => {
    const status = nodeStatusRequest(0x1234);
    expect(status.readUInt16BE(0)).toBe(0x1234);
    expect(status.readUInt16BE(2)).toBe(0); // unicast, no RD
    expect(status.readUInt16BE(status.length - 4)).toBe(0x21); // NBSTAT
    expect(nodeStatusRequest(1, true).readUInt16BE(2) & 0x0010).toBe(0x0010); // broadcast flag
    const query = wildcardNameQuery(7);
    expect(query.readUInt16BE(query.length - 4)).toBe(0x20); // NB
    expect(query.length).toBe(12 + 34 + 4);
  });

  it('parses the node status nmbd sent: computer name, workgroup, <20> file server', () => {
    const reply = parseNetbiosReply(captured);
    expect(reply?.kind).toBe('status');
    if (reply?.kind !== 'status') throw new Error('not a status');
    expect(reply.status.names).toEqual([
      { name: 'TEAMNAS', suffix: 0x00, group: false },
      { name: 'TEAMNAS', suffix: 0x03, group: false },
      { name: 'TEAMNAS', suffix: 0x20, group: false },
      { name: 'OFFICE', suffix: 0x00, group: true },
      { name: 'OFFICE', suffix: 0x1e, group: true },
    ]);
    expect(reply.status.mac).toBeNull(); // nmbd reports an all-zero unit id
    expect(describeNodeStatus(reply.status)).toEqual({ name: 'TEAMNAS', workgroup: 'OFFICE', fileServer: true });
  });

  it('a workstation without <20> is not a file server', () => {
    expect(
      describeNodeStatus({
        names: [
          { name: 'LAPTOP', suffix: 0, group: false },
          { name: 'HOME', suffix: 0, group: true },
        ],
        mac: null,
      }),
    ).toEqual({ name: 'LAPTOP', workgroup: 'HOME', fileServer: false });
  });

  it('refuses requests, negative answers and truncated packets', () => {
    expect(parseNetbiosReply(nodeStatusRequest(1))).toBeNull();
    const negative = Buffer.from(captured);
    negative.writeUInt16BE(negative.readUInt16BE(2) | 0x0003, 2);
    expect(parseNetbiosReply(negative)).toBeNull();
    expect(parseNetbiosReply(captured.subarray(0, 60))).toBeNull();
    expect(parseNetbiosReply(Buffer.alloc(5))).toBeNull();
  });
});

describe('NetbiosProbe against a responder on loopback', () => {
  let responder: dgram.Socket | null = null;
  afterEach(() => {
    responder?.close();
    responder = null;
  });

  it('broadcast → name answers → node status of each host → one sighting', async () => {
    const seen: string[] = [];
    const sock = dgram.createSocket('udp4');
    responder = sock;
    sock.on('message', (msg, rinfo) => {
      const type = msg.readUInt16BE(msg.length - 4);
      seen.push(type === 0x21 ? 'nbstat' : 'nb');
      if (type === 0x20) {
        // Name query: answer "I am 127.0.0.1" (flags + address).
        const h = Buffer.from([0, 0, 0x85, 0x80, 0, 0, 0, 1, 0, 0, 0, 0]);
        h.writeUInt16BE(msg.readUInt16BE(0), 0);
        const rr = Buffer.concat([encodeNetbiosName('*', 0), Buffer.from([0, 0x20, 0, 1, 0, 0, 0, 0, 0, 6, 0, 0, 127, 0, 0, 1])]);
        sock.send(Buffer.concat([h, rr]), rinfo.port, rinfo.address);
      } else if ((msg.readUInt16BE(2) & 0x0010) === 0) {
        // Only the unicast node-status question is answered, as some stacks do.
        const reply = Buffer.from(captured);
        reply.writeUInt16BE(msg.readUInt16BE(0), 0);
        sock.send(reply, rinfo.port, rinfo.address);
      }
    });
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const port = (sock.address() as { port: number }).port;

    const sightings: Sighting[] = [];
    const controller = new AbortController();
    const probe = new NetbiosProbe({ deadline: Date.now() + 1500, signal: controller.signal, onSighting: (s) => sightings.push(s) }, port);
    await probe.broadcast(['127.0.0.1']);
    const until = Date.now() + 1500;
    while (sightings.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    probe.close();
    expect(seen).toEqual(expect.arrayContaining(['nbstat', 'nb']));
    expect(sightings).toEqual([
      { via: 'netbios', addresses: ['127.0.0.1'], hostnames: [], netbiosName: 'TEAMNAS', fileServer: true, workgroup: 'OFFICE' },
    ]);
  });
});
