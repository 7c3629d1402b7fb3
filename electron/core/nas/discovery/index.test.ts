// The orchestrator with every target injected onto loopback: a fake NetBIOS and WS-Discovery
// responder on 127.0.0.1, a captured /proc/mounts. (Bonjour needs real multicast: it is covered by
// the network-namespace test in electron/testing/nas-discovery.samba.test.ts.)
import dgram from 'node:dgram';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { broadcastAddress, discoverNas } from './index';

const fixtures = path.join(__dirname, 'fixtures');

describe('discoverNas', () => {
  const closers: Array<() => void> = [];
  let dir: string;
  let nbPort = 0;
  let wsdPort = 0;
  let nbstatAsked = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'ms-discover-'));
    await writeFile(path.join(dir, 'mounts'), '//127.0.0.1/models /mnt/team\\040models cifs rw,username=ana,addr=127.0.0.1 0 0\n');
    const status = Buffer.from((await readFile(path.join(fixtures, 'nmbd-node-status.hex'), 'utf8')).trim(), 'hex');
    const getResponse = await readFile(path.join(fixtures, 'wsdd-get-response.xml'), 'utf8');
    const probeMatches = await readFile(path.join(fixtures, 'wsdd-probe-matches.xml'), 'utf8');

    const nb = dgram.createSocket('udp4');
    nb.on('message', (msg, rinfo) => {
      if (msg.readUInt16BE(msg.length - 4) !== 0x21) return;
      nbstatAsked++;
      const reply = Buffer.from(status);
      reply.writeUInt16BE(msg.readUInt16BE(0), 0);
      nb.send(reply, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => nb.bind(0, '127.0.0.1', () => r()));
    nbPort = (nb.address() as { port: number }).port;
    closers.push(() => nb.close());

    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/soap+xml' });
      res.end(getResponse);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const httpPort = (server.address() as { port: number }).port;
    closers.push(() => server.close());
    const wsd = dgram.createSocket('udp4');
    wsd.on('message', (msg, rinfo) => {
      const id = /<wsa:MessageID>([^<]*)/.exec(msg.toString())?.[1] ?? '';
      // A ProbeMatch that carries its XAddrs (as Windows sends them): no Resolve needed.
      const match = probeMatches
        .replace('urn:uuid:ff84e391-23ee-4224-a7d7-2600a0d39779', id)
        .replace('<wsd:MetadataVersion>', `<wsd:XAddrs>http://127.0.0.1:${httpPort}/dev</wsd:XAddrs><wsd:MetadataVersion>`);
      wsd.send(match, rinfo.port, rinfo.address);
    });
    await new Promise<void>((r) => wsd.bind(0, '127.0.0.1', () => r()));
    wsdPort = (wsd.address() as { port: number }).port;
    closers.push(() => wsd.close());
  });

  afterAll(async () => {
    for (const c of closers) c();
    await rm(dir, { recursive: true, force: true });
  });

  it('runs the protocols in parallel under one timeout and merges them into one device', async () => {
    const started = Date.now();
    const { devices, outcomes } = await discoverNas({
      timeoutMs: 1200,
      methods: ['wsd', 'netbios', 'mounted'],
      interfaces: [],
      wsd: { group: '127.0.0.1', port: wsdPort },
      netbios: { addresses: ['127.0.0.1'], port: nbPort },
      mounts: { platform: 'linux', procMountsPath: path.join(dir, 'mounts'), gvfsRunRoot: path.join(dir, 'none') },
    });
    const took = Date.now() - started;
    expect(took).toBeGreaterThanOrEqual(1100);
    expect(took).toBeLessThan(5000); // one timeout for all, not one per protocol
    expect(outcomes).toEqual([
      { method: 'netbios', problem: null },
      { method: 'wsd', problem: null },
      { method: 'mounted', problem: null },
    ]);
    expect(nbstatAsked).toBeGreaterThanOrEqual(1);
    expect(devices).toHaveLength(1);
    expect(devices[0]).toMatchObject({
      id: '127.0.0.1',
      name: 'TEAMNAS',
      addresses: ['127.0.0.1'],
      foundBy: ['wsd', 'netbios', 'mounted'],
      fileServer: true,
      workgroup: 'OFFICE',
      url: 'smb://127.0.0.1',
    });
    expect(devices[0]?.mounted).toEqual([
      { url: 'smb://ana@127.0.0.1/models', host: '127.0.0.1', share: 'models', mountPoint: '/mnt/team models', via: 'cifs' },
    ]);
  });

  it('says why a protocol could not run instead of failing the whole search', async () => {
    const { devices, outcomes } = await discoverNas({ timeoutMs: 300, methods: ['mdns', 'wsd'], interfaces: [] });
    expect(devices).toEqual([]);
    expect(outcomes.map((o) => o.problem)).toEqual([
      'This computer has no network connection to search on.',
      'This computer has no network connection to search on.',
    ]);
  });

  it('computes broadcast addresses', () => {
    expect(broadcastAddress('10.231.7.2', '255.255.255.0')).toBe('10.231.7.255');
    expect(broadcastAddress('172.16.5.9', '255.255.240.0')).toBe('172.16.15.255');
  });
});
