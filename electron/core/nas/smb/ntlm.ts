// NTLMSSP ([MS-NLMP]) client side, NTLMv2 only: NEGOTIATE → CHALLENGE → AUTHENTICATE, plus the
// session key (KEY_EXCH: a random exported key wrapped with RC4 under the key-exchange key).
import { randomBytes } from 'node:crypto';
import { hmacMd5, md4Digest, rc4 } from './crypto';

export const NtlmFlags = {
  UNICODE: 0x00000001,
  OEM: 0x00000002,
  REQUEST_TARGET: 0x00000004,
  SIGN: 0x00000010,
  SEAL: 0x00000020,
  NTLM: 0x00000200,
  ANONYMOUS: 0x00000800,
  ALWAYS_SIGN: 0x00008000,
  EXTENDED_SESSIONSECURITY: 0x00080000,
  TARGET_INFO: 0x00800000,
  VERSION: 0x02000000,
  N128: 0x20000000,
  KEY_EXCH: 0x40000000,
  N56: 0x80000000,
} as const;

export const AvId = {
  EOL: 0,
  NbComputerName: 1,
  NbDomainName: 2,
  DnsComputerName: 3,
  DnsDomainName: 4,
  DnsTreeName: 5,
  Flags: 6,
  Timestamp: 7,
  SingleHost: 8,
  TargetName: 9,
  ChannelBindings: 10,
} as const;

const SIGNATURE = Buffer.from('NTLMSSP\0', 'latin1');

export const CLIENT_FLAGS =
  NtlmFlags.UNICODE |
  NtlmFlags.REQUEST_TARGET |
  NtlmFlags.SIGN |
  NtlmFlags.NTLM |
  NtlmFlags.ALWAYS_SIGN |
  NtlmFlags.EXTENDED_SESSIONSECURITY |
  NtlmFlags.TARGET_INFO |
  NtlmFlags.N128 |
  NtlmFlags.KEY_EXCH |
  NtlmFlags.N56;

export function utf16(s: string): Buffer {
  return Buffer.from(s, 'utf16le');
}

export function encodeNegotiate(flags = CLIENT_FLAGS): Buffer {
  const b = Buffer.alloc(32);
  SIGNATURE.copy(b, 0);
  b.writeUInt32LE(1, 8);
  b.writeUInt32LE(flags >>> 0, 12);
  // Domain and workstation fields empty (len 0, offset 32).
  b.writeUInt32LE(32, 20);
  b.writeUInt32LE(32, 28);
  return b;
}

export interface Challenge {
  flags: number;
  serverChallenge: Buffer;
  targetName: string;
  targetInfo: Buffer;
  /** Parsed AV pairs: id → value. */
  av: Map<number, Buffer>;
}

function field(buf: Buffer, at: number): Buffer {
  const len = buf.readUInt16LE(at);
  const off = buf.readUInt32LE(at + 4);
  if (len === 0) return Buffer.alloc(0);
  if (off + len > buf.length) throw new Error('NTLM: field outside message');
  return buf.subarray(off, off + len);
}

export function parseAvPairs(info: Buffer): Map<number, Buffer> {
  const av = new Map<number, Buffer>();
  let off = 0;
  while (off + 4 <= info.length) {
    const id = info.readUInt16LE(off);
    const len = info.readUInt16LE(off + 2);
    if (id === AvId.EOL) break;
    av.set(id, info.subarray(off + 4, off + 4 + len));
    off += 4 + len;
  }
  return av;
}

export function decodeChallenge(buf: Buffer): Challenge {
  if (buf.length < 48 || !buf.subarray(0, 8).equals(SIGNATURE) || buf.readUInt32LE(8) !== 2) {
    throw new Error('NTLM: not a CHALLENGE_MESSAGE');
  }
  const flags = buf.readUInt32LE(20);
  const targetNameRaw = field(buf, 12);
  const targetInfo = field(buf, 40);
  return {
    flags,
    serverChallenge: Buffer.from(buf.subarray(24, 32)),
    targetName: flags & NtlmFlags.UNICODE ? targetNameRaw.toString('utf16le') : targetNameRaw.toString('latin1'),
    targetInfo: Buffer.from(targetInfo),
    av: parseAvPairs(targetInfo),
  };
}

/** NTOWFv2 = HMAC_MD5(MD4(UTF-16LE(password)), UTF-16LE(UPPER(user) + domain)). */
export function ntowfv2(password: string, user: string, domain: string): Buffer {
  return hmacMd5(md4Digest(utf16(password)), utf16(user.toUpperCase() + domain));
}

export interface Ntlmv2Result {
  ntProofStr: Buffer;
  ntChallengeResponse: Buffer;
  lmChallengeResponse: Buffer;
  sessionBaseKey: Buffer;
}

/** [MS-NLMP] 3.3.2 with the timestamp and client challenge passed in (for the spec's test vectors). */
export function computeNtlmv2(args: {
  responseKeyNT: Buffer;
  serverChallenge: Buffer;
  clientChallenge: Buffer;
  /** FILETIME as 8 little-endian bytes. */
  time: Buffer;
  targetInfo: Buffer;
}): Ntlmv2Result {
  const temp = Buffer.concat([
    Buffer.from([1, 1, 0, 0, 0, 0, 0, 0]),
    args.time,
    args.clientChallenge,
    Buffer.alloc(4),
    args.targetInfo,
    Buffer.alloc(4),
  ]);
  const ntProofStr = hmacMd5(args.responseKeyNT, args.serverChallenge, temp);
  const lm = Buffer.concat([hmacMd5(args.responseKeyNT, args.serverChallenge, args.clientChallenge), args.clientChallenge]);
  return {
    ntProofStr,
    ntChallengeResponse: Buffer.concat([ntProofStr, temp]),
    lmChallengeResponse: lm,
    sessionBaseKey: hmacMd5(args.responseKeyNT, ntProofStr),
  };
}

export function filetimeNow(): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE((BigInt(Date.now()) + 11644473600000n) * 10000n);
  return b;
}

export interface AuthenticateResult {
  message: Buffer;
  /** The key SMB derives its signing/encryption keys from. */
  sessionKey: Buffer;
}

/** Builds the AUTHENTICATE_MESSAGE. `domain` undefined → the server's NetBIOS domain from the challenge. */
export function encodeAuthenticate(args: {
  challenge: Challenge;
  user: string;
  password: string;
  domain?: string;
  workstation?: string;
  /** For tests: fixed randomness. */
  clientChallenge?: Buffer;
  exportedSessionKey?: Buffer;
  time?: Buffer;
}): AuthenticateResult {
  const { challenge } = args;
  const domain =
    args.domain ?? (challenge.av.get(AvId.NbDomainName)?.toString('utf16le') || challenge.targetName || '');
  const workstation = args.workstation ?? 'MODELSHELF';
  const serverTime = challenge.av.get(AvId.Timestamp);
  const time = args.time ?? (serverTime && serverTime.length === 8 ? Buffer.from(serverTime) : filetimeNow());
  const clientChallenge = args.clientChallenge ?? randomBytes(8);
  const key = ntowfv2(args.password, args.user, domain);
  const r = computeNtlmv2({
    responseKeyNT: key,
    serverChallenge: challenge.serverChallenge,
    clientChallenge,
    time,
    targetInfo: challenge.targetInfo,
  });
  // With a server timestamp, the LM response is all zeros ([MS-NLMP] 3.1.5.1.2).
  const lm = serverTime ? Buffer.alloc(24) : r.lmChallengeResponse;
  const negotiated = challenge.flags & CLIENT_FLAGS;
  let sessionKey: Buffer<ArrayBufferLike> = r.sessionBaseKey; // KeyExchangeKey = SessionBaseKey for NTLMv2
  let encryptedKey: Buffer<ArrayBufferLike> = Buffer.alloc(0);
  if (negotiated & NtlmFlags.KEY_EXCH) {
    sessionKey = args.exportedSessionKey ?? randomBytes(16);
    encryptedKey = rc4(r.sessionBaseKey, sessionKey);
  }
  const payload = [lm, r.ntChallengeResponse, utf16(domain), utf16(args.user), utf16(workstation), encryptedKey];
  const headerLen = 64 + 8; // fields + Version; no MIC
  const b = Buffer.alloc(headerLen);
  SIGNATURE.copy(b, 0);
  b.writeUInt32LE(3, 8);
  let off = headerLen;
  payload.forEach((p, i) => {
    const at = 12 + i * 8;
    b.writeUInt16LE(p.length, at);
    b.writeUInt16LE(p.length, at + 2);
    b.writeUInt32LE(off, at + 4);
    off += p.length;
  });
  b.writeUInt32LE((negotiated | NtlmFlags.VERSION) >>> 0, 60);
  // Version: 10.0 build 0, NTLM revision 15.
  b[64] = 10;
  b[65] = 0;
  b[71] = 15;
  return { message: Buffer.concat([b, ...payload]), sessionKey };
}

/** "DOMAIN\user" / "user@domain" / plain user + explicit domain. */
export function splitUser(user: string, domain?: string): { user: string; domain?: string } {
  const bs = user.indexOf('\\');
  if (bs > 0) return { domain: user.slice(0, bs), user: user.slice(bs + 1) };
  const at = user.lastIndexOf('@');
  if (at > 0 && domain === undefined) return { user: user.slice(0, at), domain: user.slice(at + 1) };
  return domain === undefined || domain === '' ? { user } : { user, domain };
}
