// SPNEGO ([RFC 4178], [MS-SPNG]) around NTLMSSP: a tiny DER writer and reader, just enough for
// NegTokenInit (client's first token) and NegTokenResp (everything after).

export const OID_SPNEGO = '1.3.6.1.5.5.2';
export const OID_NTLMSSP = '1.3.6.1.4.1.311.2.2.10';

export function derLength(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  let v = n;
  while (v > 0) {
    bytes.unshift(v & 0xff);
    v = Math.floor(v / 256);
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export function der(tag: number, ...content: Uint8Array[]): Buffer {
  const body = Buffer.concat(content);
  return Buffer.concat([Buffer.from([tag]), derLength(body.length), body]);
}

export function encodeOid(oid: string): Buffer {
  const parts = oid.split('.').map(Number);
  const out: number[] = [parts[0]! * 40 + parts[1]!];
  for (const p of parts.slice(2)) {
    const stack: number[] = [p & 0x7f];
    let v = Math.floor(p / 128);
    while (v > 0) {
      stack.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...stack);
  }
  return der(0x06, Buffer.from(out));
}

export function decodeOid(content: Uint8Array): string {
  if (content.length === 0) return '';
  const parts = [Math.floor(content[0]! / 40), content[0]! % 40];
  let v = 0;
  for (let i = 1; i < content.length; i++) {
    v = v * 128 + (content[i]! & 0x7f);
    if (!(content[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    }
  }
  return parts.join('.');
}

export interface Tlv {
  tag: number;
  content: Buffer;
  /** Total bytes of this TLV (header + content). */
  size: number;
}

export function readTlv(buf: Buffer, offset = 0): Tlv {
  if (offset + 2 > buf.length) throw new Error('DER: truncated');
  const tag = buf[offset]!;
  let len = buf[offset + 1]!;
  let hdr = 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    if (n === 0 || n > 4 || offset + 2 + n > buf.length) throw new Error('DER: bad length');
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + buf[offset + 2 + i]!;
    hdr += n;
  }
  if (offset + hdr + len > buf.length) throw new Error('DER: truncated content');
  return { tag, content: buf.subarray(offset + hdr, offset + hdr + len), size: hdr + len };
}

export function readAll(buf: Buffer): Tlv[] {
  const out: Tlv[] = [];
  let off = 0;
  while (off < buf.length) {
    const t = readTlv(buf, off);
    out.push(t);
    off += t.size;
  }
  return out;
}

/** The client's first token: NegTokenInit offering NTLMSSP with the NTLM NEGOTIATE_MESSAGE. */
export function encodeNegTokenInit(mechToken: Uint8Array, mechs: string[] = [OID_NTLMSSP]): Buffer {
  const mechTypes = der(0x30, ...mechs.map(encodeOid));
  const negTokenInit = der(0x30, der(0xa0, mechTypes), der(0xa2, der(0x04, mechToken)));
  return der(0x60, encodeOid(OID_SPNEGO), der(0xa0, negTokenInit));
}

export interface NegTokenResp {
  negState?: number;
  supportedMech?: string;
  responseToken?: Buffer;
  mechListMIC?: Buffer;
}

/** A client token after the first: NegTokenResp with a responseToken (and optionally a MIC). */
export function encodeNegTokenResp(resp: NegTokenResp): Buffer {
  const parts: Buffer[] = [];
  if (resp.negState !== undefined) parts.push(der(0xa0, der(0x0a, Buffer.from([resp.negState]))));
  if (resp.supportedMech !== undefined) parts.push(der(0xa1, encodeOid(resp.supportedMech)));
  if (resp.responseToken !== undefined) parts.push(der(0xa2, der(0x04, resp.responseToken)));
  if (resp.mechListMIC !== undefined) parts.push(der(0xa3, der(0x04, resp.mechListMIC)));
  return der(0xa1, der(0x30, ...parts));
}

export function decodeNegTokenResp(buf: Buffer): NegTokenResp {
  const outer = readTlv(buf);
  if (outer.tag !== 0xa1) throw new Error(`SPNEGO: expected NegTokenResp, got tag 0x${outer.tag.toString(16)}`);
  const seq = readTlv(outer.content);
  if (seq.tag !== 0x30) throw new Error('SPNEGO: NegTokenResp is not a SEQUENCE');
  const out: NegTokenResp = {};
  for (const field of readAll(seq.content)) {
    const inner = readTlv(field.content);
    switch (field.tag) {
      case 0xa0:
        out.negState = inner.content[0];
        break;
      case 0xa1:
        out.supportedMech = decodeOid(inner.content);
        break;
      case 0xa2:
        out.responseToken = inner.content;
        break;
      case 0xa3:
        out.mechListMIC = inner.content;
        break;
    }
  }
  return out;
}

/** Mechanisms a server's NegTokenInit (NegTokenInit2 hints in the NEGOTIATE response) offers. */
export function decodeNegTokenInitMechs(buf: Buffer): string[] {
  const app = readTlv(buf);
  if (app.tag !== 0x60) return [];
  const [oid, token] = readAll(app.content);
  if (oid?.tag !== 0x06 || decodeOid(oid.content) !== OID_SPNEGO || !token || token.tag !== 0xa0) return [];
  const seq = readTlv(token.content);
  for (const field of readAll(seq.content)) {
    if (field.tag === 0xa0) {
      const list = readTlv(field.content);
      return readAll(list.content)
        .filter((t) => t.tag === 0x06)
        .map((t) => decodeOid(t.content));
    }
  }
  return [];
}
