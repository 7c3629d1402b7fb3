import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, test } from 'vitest';
import { EngineError } from '../../errors';
import { toWirePath } from './client';
import { Cipher, Command, HeaderFlags, Status } from './constants';
import { aesCmac, aesCmacParts, rc4, smb3Kdf } from './crypto';
import { errorFromStatus, networkError } from './errors';
import {
  computeNtlmv2,
  decodeChallenge,
  encodeAuthenticate,
  encodeNegotiate,
  ntowfv2,
  splitUser,
} from './ntlm';
import {
  createRequest,
  encodeHeader,
  filetimeToMs,
  negotiateRequest,
  parseFileDirectoryInformation,
  parseHeader,
} from './packets';
import { makeEncryptor, makeSigner } from './session';
import { decodeNegTokenResp, decodeOid, encodeNegTokenInit, encodeNegTokenResp, encodeOid, OID_NTLMSSP, readTlv } from './spnego';
import { SmbTransport } from './transport';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('NTLMv2 against [MS-NLMP] 4.2.4', () => {
  // AV pairs of the spec's CHALLENGE_MESSAGE: NbDomainName "Domain", NbComputerName "Server", EOL.
  const targetInfo = Buffer.concat([
    hex('0200 0c00'),
    Buffer.from('Domain', 'utf16le'),
    hex('0100 0c00'),
    Buffer.from('Server', 'utf16le'),
    hex('0000 0000'),
  ]);
  const serverChallenge = hex('0123456789abcdef');
  const clientChallenge = hex('aaaaaaaaaaaaaaaa');

  test('NTOWFv2, NTProofStr, LMv2 and the session base key', () => {
    const key = ntowfv2('Password', 'User', 'Domain');
    expect(key.toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
    const r = computeNtlmv2({ responseKeyNT: key, serverChallenge, clientChallenge, time: Buffer.alloc(8), targetInfo });
    expect(r.ntProofStr.toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(r.lmChallengeResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');
    expect(r.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
  });

  test('RC4 wraps the random session key as the spec shows', () => {
    const encrypted = rc4(hex('8de40ccadbc14a82f15cb0ad0de95ca3'), Buffer.alloc(16, 0x55));
    expect(encrypted.toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
  });

  test('AUTHENTICATE_MESSAGE carries the responses, names and wrapped key', () => {
    const challengeMsg = Buffer.alloc(56 + targetInfo.length);
    Buffer.from('NTLMSSP\0', 'latin1').copy(challengeMsg, 0);
    challengeMsg.writeUInt32LE(2, 8);
    challengeMsg.writeUInt32LE(0xe2888235, 20);
    serverChallenge.copy(challengeMsg, 24);
    challengeMsg.writeUInt16LE(targetInfo.length, 40);
    challengeMsg.writeUInt16LE(targetInfo.length, 42);
    challengeMsg.writeUInt32LE(56, 44);
    targetInfo.copy(challengeMsg, 56);
    const ch = decodeChallenge(challengeMsg);
    expect(ch.av.get(2)?.toString('utf16le')).toBe('Domain');
    const { message, sessionKey } = encodeAuthenticate({
      challenge: ch,
      user: 'User',
      password: 'Password',
      clientChallenge,
      exportedSessionKey: Buffer.alloc(16, 0x55),
      time: Buffer.alloc(8),
    });
    const field = (i: number) => {
      const at = 12 + i * 8;
      const off = message.readUInt32LE(at + 4);
      return message.subarray(off, off + message.readUInt16LE(at));
    };
    expect(field(1).subarray(0, 16).toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(field(2).toString('utf16le')).toBe('Domain'); // domain defaults to the server's
    expect(field(3).toString('utf16le')).toBe('User');
    expect(field(5).toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    expect(sessionKey.equals(Buffer.alloc(16, 0x55))).toBe(true);
  });

  test('NEGOTIATE_MESSAGE and user/domain forms', () => {
    const n = encodeNegotiate();
    expect(n.subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
    expect(n.readUInt32LE(8)).toBe(1);
    expect(splitUser('CORP\\ana')).toEqual({ user: 'ana', domain: 'CORP' });
    expect(splitUser('ana@corp.example')).toEqual({ user: 'ana', domain: 'corp.example' });
    expect(splitUser('ana', 'WG')).toEqual({ user: 'ana', domain: 'WG' });
    expect(splitUser('ana')).toEqual({ user: 'ana' });
  });
});

describe('crypto', () => {
  test('AES-CMAC: RFC 4493 section 4 vectors', () => {
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
    const m = hex(
      '6bc1bee22e409f96e93d7e117393172a ae2d8a571e03ac9c9eb76fac45af8e51 30c81c46a35ce411e5fbc1191a0a52ef f69f2445df4f9b17ad2b417be66c3710',
    );
    expect(aesCmac(key, Buffer.alloc(0)).toString('hex')).toBe('bb1d6929e95937287fa37d129b756746');
    expect(aesCmac(key, m.subarray(0, 16)).toString('hex')).toBe('070a16b46b4d4144f79bdd9dd04a287c');
    expect(aesCmac(key, m.subarray(0, 40)).toString('hex')).toBe('dfa66747de9ae63030ca32611497c827');
    expect(aesCmac(key, m).toString('hex')).toBe('51f0bebf7e3b9d92fc49741779363cfe');
  });

  test('SP800-108 KDF: SMB 3.0 signing key from Microsoft\'s key-derivation example', () => {
    const k = smb3Kdf(hex('7CD451825D0450D235424E44BA6E78CC'), Buffer.from('SMB2AESCMAC\0', 'latin1'), Buffer.from('SmbSign\0', 'latin1'));
    expect(k.toString('hex')).toBe('0b7e9c5cac36c0f6ea9ab275298cedce');
  });

  test.each(['hmac-sha256', 'aes-cmac', 'aes-gmac'] as const)('%s signatures verify and catch tampering', (alg) => {
    const signer = makeSigner(alg, Buffer.alloc(16, 7));
    const msg = Buffer.concat([
      encodeHeader({ command: Command.READ, creditCharge: 1, creditRequest: 1, flags: 0, messageId: 5n, treeId: 1, sessionId: 9n }),
      Buffer.from('payload'),
    ]);
    signer.sign(msg);
    expect(msg.readUInt32LE(16) & HeaderFlags.SIGNED).toBe(HeaderFlags.SIGNED);
    expect(msg.subarray(48, 64).equals(Buffer.alloc(16))).toBe(false);
    expect(signer.verify(msg)).toBe(true);
    msg[msg.length - 1]! ^= 1;
    expect(signer.verify(msg)).toBe(false);
  });

  test.each([
    [Cipher.AES128GCM, 16],
    [Cipher.AES128CCM, 16],
    [Cipher.AES256GCM, 32],
    [Cipher.AES256CCM, 32],
  ])('transform header round trip (cipher %i, %i-byte keys)', (cipher, keyLen) => {
    const a = Buffer.alloc(keyLen, 1);
    const b = Buffer.alloc(keyLen, 2);
    const client = makeEncryptor(cipher, a, b);
    const server = makeEncryptor(cipher, b, a);
    const plain = Buffer.from('an SMB2 message, encrypted');
    const frame = client.encrypt(plain, 42n);
    expect(frame.readUInt32BE(0)).toBe(0xfd534d42);
    expect(frame.readBigUInt64LE(44)).toBe(42n);
    expect(server.decrypt(frame).equals(plain)).toBe(true);
    frame[frame.length - 1]! ^= 1;
    expect(() => server.decrypt(frame)).toThrow(EngineError);
    // The same keys cut to 128 bits do not decrypt a 256-bit frame (and vice versa).
    const other = makeEncryptor(cipher, a.subarray(0, 16), b.subarray(0, 16));
    if (keyLen === 32) expect(() => other.decrypt(client.encrypt(plain, 1n))).toThrow(EngineError);
  });

  test('AES-CMAC over parts equals AES-CMAC over the whole, at every split', () => {
    const key = hex('2b7e151628aed2a6abf7158809cf4f3c');
    const msg = Buffer.from(Array.from({ length: 77 }, (_, i) => (i * 37) & 0xff));
    for (const n of [0, 15, 16, 17, 32, 63, 64, 76, 77]) {
      const whole = aesCmac(key, msg.subarray(0, n));
      for (let cut = 0; cut <= n; cut += 5) {
        expect(aesCmacParts(key, [msg.subarray(0, cut), msg.subarray(cut, n)]).equals(whole), `${n}/${cut}`).toBe(true);
      }
    }
  });

  test.each(['hmac-sha256', 'aes-cmac', 'aes-gmac'] as const)('%s: a message verified in pieces (READ data placed elsewhere) checks the same', (alg) => {
    const signer = makeSigner(alg, Buffer.alloc(16, 3));
    const msg = Buffer.concat([
      encodeHeader({ command: Command.READ, creditCharge: 1, creditRequest: 1, flags: HeaderFlags.SERVER_TO_REDIR, messageId: 9n, treeId: 1, sessionId: 2n }),
      Buffer.alloc(16, 1),
      Buffer.from(Array.from({ length: 1000 }, (_, i) => i & 0xff)),
    ]);
    signer.sign(msg);
    const head = Buffer.from(msg.subarray(0, 80));
    const data = Buffer.from(msg.subarray(80));
    expect(signer.verify(head, [data])).toBe(true);
    data[500]! ^= 1;
    expect(signer.verify(head, [data])).toBe(false);
  });
});

describe('encoders and decoders', () => {
  test('SPNEGO NegTokenInit / NegTokenResp round trip', () => {
    const init = encodeNegTokenInit(Buffer.from('tok'));
    expect(init[0]).toBe(0x60);
    expect(init.includes(encodeOid(OID_NTLMSSP))).toBe(true);
    expect(decodeOid(readTlv(encodeOid('1.3.6.1.4.1.311.2.2.10')).content)).toBe('1.3.6.1.4.1.311.2.2.10');
    const big = Buffer.alloc(300, 9); // long-form DER length
    const resp = decodeNegTokenResp(encodeNegTokenResp({ negState: 1, supportedMech: OID_NTLMSSP, responseToken: big, mechListMIC: Buffer.from('m') }));
    expect(resp.negState).toBe(1);
    expect(resp.supportedMech).toBe(OID_NTLMSSP);
    expect(resp.responseToken?.equals(big)).toBe(true);
    expect(resp.mechListMIC?.toString()).toBe('m');
  });

  test('SMB2 header round trip', () => {
    const h = encodeHeader({ command: Command.CREATE, creditCharge: 3, creditRequest: 77, flags: HeaderFlags.RELATED_OPERATIONS, messageId: 123456789012n, treeId: 0xdeadbeef, sessionId: 0x1122334455667788n });
    const p = parseHeader(h);
    expect(p).toMatchObject({ command: Command.CREATE, creditCharge: 3, credits: 77, flags: HeaderFlags.RELATED_OPERATIONS, messageId: 123456789012n, treeId: 0xdeadbeef, sessionId: 0x1122334455667788n });
  });

  test('NEGOTIATE request: 3.1.1 contexts start 8-aligned and are counted', () => {
    const body = negotiateRequest({ dialects: [0x202, 0x210, 0x300, 0x302, 0x311], securityMode: 1, capabilities: 0, clientGuid: Buffer.alloc(16), ciphers: [2, 1], signingAlgorithms: [2, 1, 0] });
    const ctxOff = body.readUInt32LE(28);
    expect(ctxOff % 8).toBe(0);
    expect(body.readUInt16LE(32)).toBe(3);
    const rel = ctxOff - 64;
    expect(body.readUInt16LE(rel)).toBe(1); // preauth first
    expect(body.readUInt16LE(rel + 8 + 4)).toBe(1); // SHA-512
  });

  test('CREATE for the share root still carries a buffer byte', () => {
    const root = createRequest({ name: '', desiredAccess: 1, createOptions: 1 });
    expect(root.length).toBe(57);
    expect(root.readUInt16LE(46)).toBe(0);
    const named = createRequest({ name: 'a\\日本', desiredAccess: 1, createOptions: 1 });
    expect(named.subarray(56).toString('utf16le')).toBe('a\\日本');
  });

  test('FileDirectoryInformation parsing', () => {
    const rec = (name: string, attrs: number, size: bigint, last: boolean) => {
      const n = Buffer.from(name, 'utf16le');
      const len = (64 + n.length + 7) & ~7;
      const b = Buffer.alloc(len);
      b.writeUInt32LE(last ? 0 : len, 0);
      b.writeBigUInt64LE(116444736000000000n + 10_000_000n, 24); // 1970-01-01 + 1 s
      b.writeBigUInt64LE(size, 40);
      b.writeUInt32LE(attrs, 56);
      b.writeUInt32LE(n.length, 60);
      n.copy(b, 64);
      return b;
    };
    const entries = parseFileDirectoryInformation(Buffer.concat([rec('.', 0x10, 0n, false), rec('🦙 a  b.bin', 0x20, 5000000000n, true)]));
    expect(entries.map((e) => e.name)).toEqual(['.', '🦙 a  b.bin']);
    expect(entries[1]!.endOfFile).toBe(5000000000n);
    expect(filetimeToMs(entries[1]!.lastWriteTime)).toBe(1000);
  });

  test('paths go on the wire with backslashes', () => {
    expect(toWirePath('')).toBe('');
    expect(toWirePath('a/b c/é.bin')).toBe('a\\b c\\é.bin');
    expect(toWirePath('/a/')).toBe('a');
  });
});

describe('NTSTATUS → EngineError', () => {
  test.each([
    [Status.LOGON_FAILURE, 'AUTH_FAILED', 'The NAS did not accept this user name and password.'],
    [Status.ACCOUNT_LOCKED_OUT, 'AUTH_FAILED', 'locked'],
    [Status.ACCOUNT_DISABLED, 'AUTH_FAILED', 'disabled'],
    [Status.PASSWORD_EXPIRED, 'AUTH_FAILED', 'expired'],
    [Status.BAD_NETWORK_NAME, 'NOT_FOUND', 'The NAS has no share called models.'],
    [Status.ACCESS_DENIED, 'ACCESS_DENIED', 'may not'],
    [Status.OBJECT_NAME_NOT_FOUND, 'NOT_FOUND', 'There is no'],
    [Status.OBJECT_PATH_NOT_FOUND, 'NOT_FOUND', 'There is no'],
    [Status.NOT_SUPPORTED, 'UNSUPPORTED', 'does not support'],
  ])('0x%s', (status, code, words) => {
    const e = errorFromStatus(status, { share: 'models', path: status === Status.ACCESS_DENIED ? 'a.bin' : undefined });
    expect(e).toBeInstanceOf(EngineError);
    expect(e.code).toBe(code);
    expect(e.message).toContain(words);
    expect(e.message).toContain(`0x${status.toString(16).toUpperCase().padStart(8, '0')}`);
  });

  test('socket errors → UNREACHABLE with host:port', () => {
    const e = networkError('nas.local', 445, Object.assign(new Error('x'), { code: 'ECONNREFUSED' }));
    expect(e.code).toBe('UNREACHABLE');
    expect(e.message).toContain('Could not reach nas.local:445 — is the NAS on and on this network?');
    expect(e.message).toContain('ECONNREFUSED');
  });
});

describe('transport against a scripted server', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  /** Answers every request: interim STATUS_PENDING (async) first, the real reply 20 ms later. */
  async function pendingServer(grant: number): Promise<{ port: number; maxInFlight: () => number }> {
    let inFlight = 0;
    let max = 0;
    server = createServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
          const frame = buf.subarray(4, 4 + buf.readUInt32BE(0));
          buf = buf.subarray(4 + frame.length);
          const h = parseHeader(frame);
          inFlight++;
          max = Math.max(max, inFlight);
          const reply = (status: number, async: boolean, body: Buffer, credits: number) => {
            const hdr = encodeHeader({ command: h.command, creditCharge: 1, creditRequest: credits, flags: HeaderFlags.SERVER_TO_REDIR | (async ? HeaderFlags.ASYNC_COMMAND : 0), messageId: h.messageId, treeId: 0, sessionId: 0n });
            hdr.writeUInt32LE(status, 8);
            if (async) hdr.writeBigUInt64LE(99n, 32);
            const msg = Buffer.concat([hdr, body]);
            const nb = Buffer.alloc(4);
            nb.writeUInt32BE(msg.length);
            sock.write(Buffer.concat([nb, msg]));
          };
          reply(Status.PENDING, true, Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0]), 0);
          setTimeout(() => {
            inFlight--;
            reply(Status.SUCCESS, true, Buffer.from(`final-${h.messageId}`), grant);
          }, 20);
        }
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const addr = server.address();
    return { port: typeof addr === 'object' && addr ? addr.port : 0, maxInFlight: () => max };
  }

  test('STATUS_PENDING is never taken as the answer; credits queue requests instead of failing', async () => {
    const { port, maxInFlight } = await pendingServer(1);
    const t = await SmbTransport.connect('127.0.0.1', port, 5000);
    // One credit at a time: five requests must queue and each must get its final reply.
    const replies = await Promise.all(
      [0, 1, 2, 3, 4].map(() => t.request({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) })),
    );
    for (const [i, m] of replies.entries()) {
      expect(m.status).toBe(Status.SUCCESS);
      expect(m.raw.subarray(64).toString()).toBe(`final-${i}`);
    }
    expect(maxInFlight()).toBe(1);
    expect(t.counters).toEqual({ requests: 5, roundTrips: 5 });
    t.destroy();
  });

  test('with credits granted, requests are in flight together', async () => {
    const { port, maxInFlight } = await pendingServer(8);
    const t = await SmbTransport.connect('127.0.0.1', port, 5000);
    await t.request({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) });
    await Promise.all([0, 1, 2, 3, 4, 5].map(() => t.request({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) })));
    expect(maxInFlight()).toBeGreaterThanOrEqual(6);
    t.destroy();
  });

  /** A server that runs `script(header, frame, reply)` for each request. */
  async function scriptedServer(
    script: (h: ReturnType<typeof parseHeader>, frame: Buffer, reply: (status: number, async: boolean, body: Buffer, messageId?: bigint) => void) => void,
  ): Promise<number> {
    server = createServer((sock) => {
      let buf = Buffer.alloc(0);
      sock.on('data', (d) => {
        buf = Buffer.concat([buf, d]);
        while (buf.length >= 4 && buf.length >= 4 + buf.readUInt32BE(0)) {
          const frame = buf.subarray(4, 4 + buf.readUInt32BE(0));
          buf = buf.subarray(4 + frame.length);
          const h = parseHeader(frame);
          script(h, frame, (status, async, body, messageId = h.messageId) => {
            const hdr = encodeHeader({ command: h.command, creditCharge: 1, creditRequest: 1, flags: HeaderFlags.SERVER_TO_REDIR | (async ? HeaderFlags.ASYNC_COMMAND : 0), messageId, treeId: 0, sessionId: 0n });
            hdr.writeUInt32LE(status, 8);
            const msg = Buffer.concat([hdr, body]);
            const nb = Buffer.alloc(4);
            nb.writeUInt32BE(msg.length);
            if (!sock.destroyed) sock.write(Buffer.concat([nb, msg]));
          });
        }
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const addr = server.address();
    return typeof addr === 'object' && addr ? addr.port : 0;
  }

  test('a timeout takes the connection down: everything in flight fails UNREACHABLE, later sends too', async () => {
    const port = await scriptedServer((h, _f, reply) => {
      if (h.messageId === 0n) reply(Status.SUCCESS, false, Buffer.from('first'));
      // later requests: never answered
    });
    const t = await SmbTransport.connect('127.0.0.1', port, 300);
    await t.request({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) });
    const slow = t.request({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) }).catch((e) => e);
    const longPoll = t.request({ command: Command.CHANGE_NOTIFY, body: Buffer.alloc(32) }, { timeoutMs: 0 }).catch((e) => e);
    const e1 = await slow;
    expect(e1.code).toBe('UNREACHABLE');
    expect(e1.message).toContain('did not answer within 1 s');
    expect((await longPoll).code).toBe('UNREACHABLE'); // no timeout of its own, but the connection is gone
    expect(t.closed).toBe(true);
    await expect(t.request({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) })).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });

  test('an interim STATUS_PENDING restarts the timeout and is reported once', async () => {
    const port = await scriptedServer((_h, _f, reply) => {
      setTimeout(() => reply(Status.PENDING, true, Buffer.from([9, 0, 0, 0, 0, 0, 0, 0, 0])), 200);
      setTimeout(() => reply(Status.SUCCESS, true, Buffer.from('late but fine')), 400);
    });
    const t = await SmbTransport.connect('127.0.0.1', port, 300);
    let interims = 0;
    const m = await t.request({ command: Command.READ, body: Buffer.alloc(49) }, { onInterim: () => interims++ });
    expect(m.raw.subarray(64).toString()).toBe('late but fine');
    expect(interims).toBe(1);
    t.destroy();
  });

  test('bodies and payloads go out in one frame, compounds padded to 8 bytes; unsolicited messages reach the hook', async () => {
    const frames: Buffer[] = [];
    const port = await scriptedServer((h, frame, reply) => {
      frames.push(Buffer.from(frame));
      if (h.command === Command.WRITE) {
        reply(Status.SUCCESS, false, Buffer.alloc(0), 0xffffffffffffffffn); // an unsolicited break first
        reply(Status.SUCCESS, false, Buffer.from('w'));
      }
    });
    const t = await SmbTransport.connect('127.0.0.1', port, 2000);
    const unsolicited: number[] = [];
    t.onUnsolicited = (m) => unsolicited.push(m.command);
    const payload = Buffer.from('0123456789');
    const [w] = await t.send([
      { command: Command.WRITE, body: Buffer.from([1, 2, 3]), payload },
    ]);
    expect(w!.raw.subarray(64).toString()).toBe('w');
    expect(unsolicited).toEqual([Command.WRITE]);
    expect(frames[0]!.subarray(64).toString('hex')).toBe(`010203${payload.toString('hex')}`);
    t.send([
      { command: Command.CREATE, body: Buffer.from([7, 7, 7]) },
      { command: Command.CLOSE, body: Buffer.from([8]), related: true },
    ]).catch(() => {});
    await new Promise((r) => setTimeout(r, 100));
    const compound = frames[1]!;
    expect(compound.readUInt32LE(20)).toBe(72); // 64 + 3, padded to 8
    expect(compound.subarray(67, 72).equals(Buffer.alloc(5))).toBe(true);
    expect(compound.readUInt32LE(72 + 16) & HeaderFlags.RELATED_OPERATIONS).toBe(HeaderFlags.RELATED_OPERATIONS);
    expect(compound.length).toBe(72 + 65);
    t.destroy();
  });

  test('a request that gets no answer times out as UNREACHABLE', async () => {
    server = createServer(() => {});
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    const addr = server.address();
    const t = await SmbTransport.connect('127.0.0.1', typeof addr === 'object' && addr ? addr.port : 0, 200);
    await expect(t.request({ command: Command.ECHO, body: Buffer.from([4, 0, 0, 0]) })).rejects.toMatchObject({ code: 'UNREACHABLE' });
    t.destroy();
  });
});
