import dgram from 'node:dgram';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Sighting } from './types';
import { getMessage, parseMatches, parseMetadata, pickXAddr, probeMessage, probeWsd, resolveMessage } from './wsd';

const fixture = (name: string) => readFileSync(path.join(__dirname, 'fixtures', name), 'utf8');
const ENDPOINT = 'urn:uuid:3b4a2c1e-1111-4222-8333-444455556666';

function resolveMatches(relatesTo: string, xaddrs: string): string {
  return `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery"><soap:Header><wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ResolveMatches</wsa:Action><wsa:MessageID>urn:uuid:1</wsa:MessageID><wsa:RelatesTo>${relatesTo}</wsa:RelatesTo></soap:Header><soap:Body><wsd:ResolveMatches><wsd:ResolveMatch><wsa:EndpointReference><wsa:Address>${ENDPOINT}</wsa:Address></wsa:EndpointReference><wsd:Types>wsdp:Device pub:Computer</wsd:Types><wsd:XAddrs>${xaddrs}</wsd:XAddrs><wsd:MetadataVersion>1</wsd:MetadataVersion></wsd:ResolveMatch></wsd:ResolveMatches></soap:Body></soap:Envelope>`;
}

describe('WS-Discovery messages', () => {
  it('builds a Probe for wsdp:Device (the exact type wsdd and Windows answer)', () => {
    const probe = probeMessage('urn:uuid:abc');
    expect(probe).toContain('<wsd:Types>wsdp:Device</wsd:Types>');
    expect(probe).toContain('<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>');
    expect(probe).toContain('<wsa:MessageID>urn:uuid:abc</wsa:MessageID>');
    expect(resolveMessage(ENDPOINT)).toContain(`<wsa:Address>${ENDPOINT}</wsa:Address>`);
    expect(getMessage(ENDPOINT)).toContain(`<wsa:To>${ENDPOINT}</wsa:To>`);
    // Text from the network is escaped, never spliced in as markup.
    expect(resolveMessage('urn:x<y>&')).toContain('urn:x&#60;y&#62;&#38;');
  });

  it("parses wsdd's ProbeMatches (no XAddrs: a Resolve is needed)", () => {
    expect(parseMatches(fixture('wsdd-probe-matches.xml'))).toEqual([
      {
        action: 'probe',
        relatesTo: 'urn:uuid:ff84e391-23ee-4224-a7d7-2600a0d39779',
        endpoint: ENDPOINT,
        types: ['wsdp:Device', 'pub:Computer'],
        xaddrs: [],
      },
    ]);
    const rm = parseMatches(resolveMatches('urn:uuid:r', 'http://10.231.0.1:5357/3b4a http://[fe80::1]:5357/3b4a'));
    expect(rm[0]).toMatchObject({ action: 'resolve', xaddrs: ['http://10.231.0.1:5357/3b4a', 'http://[fe80::1]:5357/3b4a'] });
    expect(parseMatches('<not xml')).toEqual([]);
    expect(parseMatches(probeMessage())).toEqual([]); // a Probe is not an answer
  });

  it("parses wsdd's metadata: friendly name, computer name and workgroup", () => {
    expect(parseMetadata(fixture('wsdd-get-response.xml'))).toEqual({
      friendlyName: 'WSD Device TEAMNAS',
      manufacturer: 'wsdd',
      modelName: 'wsdd',
      computerName: 'TEAMNAS',
      workgroup: 'OFFICE',
      domain: null,
      isComputer: true,
    });
  });

  it('only fetches metadata from the address the answer came from', () => {
    const xaddrs = ['http://192.0.2.77:5357/x', 'https://10.231.0.1/x', 'http://10.231.0.1:5357/ok'];
    expect(pickXAddr(xaddrs, '10.231.0.1')?.href).toBe('http://10.231.0.1:5357/ok');
    expect(pickXAddr(['http://192.0.2.77:5357/x'], '10.231.0.1')).toBeNull();
    expect(pickXAddr(['not a url'], '10.231.0.1')).toBeNull();
  });
});

describe('probeWsd against a responder on loopback', () => {
  const closers: Array<() => void> = [];
  afterEach(() => {
    for (const c of closers.splice(0)) c();
  });

  it('probe → ProbeMatch without XAddrs → Resolve → Get → one sighting with the names', async () => {
    const log: string[] = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        log.push(`GET ${req.url} ${/<wsa:To>([^<]*)/.exec(body)?.[1]}`);
        res.writeHead(200, { 'Content-Type': 'application/soap+xml' });
        res.end(fixture('wsdd-get-response.xml'));
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    closers.push(() => server.close());
    const httpPort = (server.address() as { port: number }).port;

    const udp = dgram.createSocket('udp4');
    closers.push(() => udp.close());
    udp.on('message', (msg, rinfo) => {
      const text = msg.toString();
      const id = /<wsa:MessageID>([^<]*)/.exec(text)?.[1] ?? '';
      if (text.includes('/discovery/Probe<')) {
        log.push('probe');
        udp.send(fixture('wsdd-probe-matches.xml').replace('urn:uuid:ff84e391-23ee-4224-a7d7-2600a0d39779', id), rinfo.port, rinfo.address);
      } else if (text.includes('/discovery/Resolve<')) {
        log.push('resolve');
        udp.send(resolveMatches(id, `http://127.0.0.1:${httpPort}/3b4a2c1e-1111-4222-8333-444455556666`), rinfo.port, rinfo.address);
      }
    });
    await new Promise<void>((r) => udp.bind(0, '127.0.0.1', () => r()));
    const port = (udp.address() as { port: number }).port;

    const sightings: Sighting[] = [];
    await probeWsd(
      { deadline: Date.now() + 1200, signal: new AbortController().signal, onSighting: (s) => sightings.push(s) },
      { interfaces: [], group: '127.0.0.1', port },
    );
    expect(log.filter((l) => l === 'probe')).toHaveLength(2); // sent twice, as SOAP-over-UDP asks
    expect(log).toContain('resolve');
    expect(log).toContain(`GET /3b4a2c1e-1111-4222-8333-444455556666 ${ENDPOINT}`);
    expect(sightings).toEqual([
      { via: 'wsd', addresses: ['127.0.0.1'], hostnames: [], friendlyName: 'WSD Device TEAMNAS', netbiosName: 'TEAMNAS', workgroup: 'OFFICE', fileServer: true },
    ]);
  });
});
