// Negotiate + session setup (NTLMv2 in SPNEGO), key derivation, signing and encryption per dialect.
import { randomBytes } from 'node:crypto';
import { EngineError } from '../../errors';
import {
  ALL_DIALECTS,
  Capabilities,
  Cipher,
  Command,
  Dialect,
  HeaderFlags,
  SecurityMode,
  SessionFlags,
  SigningAlgorithm,
  Status,
  dialectName,
  statusHex,
} from './constants';
import { aeadDecrypt, aeadEncrypt, aesCmac, aesCmacParts, aesGmac, constantTimeEqual, hmacSha256, sha512, smb3Kdf } from './crypto';
import { errorFromStatus, smb1OnlyError } from './errors';
import { decodeChallenge, encodeAuthenticate, encodeNegotiate, splitUser } from './ntlm';
import {
  CLIENT_CAPABILITIES,
  DEFAULT_CIPHERS,
  DEFAULT_SIGNING,
  negotiateRequest,
  parseNegotiateResponse,
  parseSessionSetupResponse,
  type NegotiateResponse,
  type SmbMessage,
  sessionSetupRequest,
} from './packets';
import { decodeNegTokenResp, encodeNegTokenInit, encodeNegTokenResp } from './spnego';
import type { Encryptor, Signer, SmbTransport } from './transport';

const z = (s: string) => Buffer.from(`${s}\0`, 'latin1');

export type SigningAlg = 'hmac-sha256' | 'aes-cmac' | 'aes-gmac';

/**
 * Signs / verifies one SMB2 message in place (signature field at 48..64). `more` continues the message
 * (the data of a READ reply that went straight into the caller's buffer).
 */
export function makeSigner(alg: SigningAlg, key: Buffer): Signer {
  const compute = (msg: Buffer, more: Uint8Array[]): Buffer => {
    msg.fill(0, 48, 64);
    switch (alg) {
      case 'hmac-sha256':
        return hmacSha256(key, msg, ...more).subarray(0, 16);
      case 'aes-cmac':
        return more.length === 0 ? aesCmac(key, msg) : aesCmacParts(key, [msg, ...more]);
      case 'aes-gmac': {
        const nonce = Buffer.alloc(12);
        msg.copy(nonce, 0, 24, 32); // MessageId
        const flags = msg.readUInt32LE(16);
        const command = msg.readUInt16LE(12);
        nonce.writeUInt32LE(((flags & HeaderFlags.SERVER_TO_REDIR) !== 0 ? 1 : 0) | (command === Command.CANCEL ? 2 : 0), 8);
        return aesGmac(key, nonce, msg, ...more);
      }
    }
  };
  return {
    sign(msg) {
      msg.writeUInt32LE(msg.readUInt32LE(16) | HeaderFlags.SIGNED, 16);
      compute(msg, []).copy(msg, 48);
    },
    verify(msg, more = []) {
      const got = Buffer.from(msg.subarray(48, 64));
      const want = compute(msg, more);
      got.copy(msg, 48);
      return constantTimeEqual(got, want);
    },
  };
}

/** SMB 3 transform header ([MS-SMB2] 2.2.41) with AES-128/256-GCM or AES-128/256-CCM (key length picks 128/256). */
export function makeEncryptor(cipher: number, encKey: Buffer, decKey: Buffer): Encryptor {
  const alg = cipher === Cipher.AES128GCM || cipher === Cipher.AES256GCM ? 'gcm' : 'ccm';
  const nonceLen = alg === 'gcm' ? 12 : 11;
  const prefix = randomBytes(4);
  let counter = 0n;
  return {
    encrypt(plain, sessionId) {
      const h = Buffer.alloc(52);
      h.writeUInt32BE(0xfd534d42, 0);
      const nonce = Buffer.alloc(nonceLen);
      counter += 1n;
      nonce.writeBigUInt64LE(counter, 0);
      prefix.copy(nonce, 8, 0, nonceLen - 8);
      nonce.copy(h, 20);
      h.writeUInt32LE(plain.length, 36);
      h.writeUInt16LE(1, 42); // Flags: encrypted
      h.writeBigUInt64LE(sessionId, 44);
      const { ciphertext, tag } = aeadEncrypt(alg, encKey, nonce, h.subarray(20, 52), plain);
      tag.copy(h, 4);
      return Buffer.concat([h, ciphertext]);
    },
    decrypt(frame) {
      if (frame.length < 52) throw new Error('short transform header');
      const size = frame.readUInt32LE(36);
      const nonce = frame.subarray(20, 20 + nonceLen);
      const body = frame.subarray(52, 52 + size);
      try {
        return aeadDecrypt(alg, decKey, nonce, frame.subarray(20, 52), body, frame.subarray(4, 20));
      } catch {
        throw new EngineError('IO', 'An encrypted reply from the NAS did not decrypt; refusing it.');
      }
    },
  };
}

export interface SessionOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  domain?: string;
  /**
   * 'auto' (default): sign whenever the session is not a guest's. 'required': refuse a NAS that cannot
   * sign. 'if-required': sign only when the NAS requires it (faster on a trusted LAN, no tamper check).
   */
  signing?: 'auto' | 'required' | 'if-required';
  encryption?: 'auto' | 'required';
  /** Restrict dialects (tests). */
  dialects?: number[];
}

export interface SessionInfo {
  dialect: number;
  negotiate: NegotiateResponse;
  signingRequired: boolean;
  signing: SigningAlg | null;
  encrypted: boolean;
  cipher: number;
  guest: boolean;
  /** Keys, kept for share-level encryption. */
  encryptor?: Encryptor;
}

/** Runs NEGOTIATE and SESSION_SETUP on a fresh transport and installs signing/encryption on it. */
export async function establishSession(t: SmbTransport, o: SessionOptions): Promise<SessionInfo> {
  const dialects = o.dialects ?? ALL_DIALECTS;
  const securityMode = o.signing === 'required' ? SecurityMode.SIGNING_REQUIRED : SecurityMode.SIGNING_ENABLED;

  // ---- NEGOTIATE
  let preauth: Buffer = Buffer.alloc(64);
  let negReqRaw: Buffer | undefined;
  let smb1 = false;
  t.onSmb1 = () => {
    smb1 = true;
  };
  let negResp: SmbMessage;
  try {
    negResp = await t.request({
      command: Command.NEGOTIATE,
      body: negotiateRequest({
        dialects,
        securityMode,
        capabilities: CLIENT_CAPABILITIES,
        clientGuid: randomBytes(16),
        ciphers: DEFAULT_CIPHERS,
        signingAlgorithms: DEFAULT_SIGNING,
      }),
      onSent: (raw) => {
        negReqRaw = Buffer.from(raw);
      },
    });
  } catch (e) {
    if (smb1) throw smb1OnlyError('the NAS answered in SMB1');
    if (e instanceof EngineError && e.code === 'UNREACHABLE' && /closed/.test(e.message)) {
      throw smb1OnlyError('the NAS closed the connection when asked for SMB2/3');
    }
    throw e;
  }
  if (negResp.status === Status.NOT_SUPPORTED) throw smb1OnlyError(`NEGOTIATE ${statusHex(negResp.status)}`);
  if (negResp.status !== Status.SUCCESS) throw errorFromStatus(negResp.status, { op: 'negotiate' });
  const neg = parseNegotiateResponse(negResp);
  const dialect = neg.dialect;
  if (!dialects.includes(dialect)) throw smb1OnlyError(`no common dialect (server chose ${dialectName(dialect)})`);
  if (dialect === Dialect.SMB311) {
    if (neg.preauthHashAlgorithm !== 1) throw new EngineError('UNSUPPORTED', 'The NAS chose an unknown preauth hash for SMB 3.1.1.');
    preauth = sha512(preauth, negReqRaw!);
    preauth = sha512(preauth, negResp.raw);
  }
  t.zeroCreditCharge = dialect === Dialect.SMB202;
  t.multiCredit = dialect !== Dialect.SMB202 && (neg.capabilities & Capabilities.LARGE_MTU) !== 0;

  // ---- SESSION_SETUP round 1: NTLM NEGOTIATE in SPNEGO NegTokenInit
  const ntlmNeg = encodeNegotiate();
  let sessPreauth = preauth;
  const hashReq = (raw: Buffer) => {
    if (dialect === Dialect.SMB311) sessPreauth = sha512(sessPreauth, raw);
  };
  const r1 = await t.request({
    command: Command.SESSION_SETUP,
    body: sessionSetupRequest(securityMode, encodeNegTokenInit(ntlmNeg)),
    onSent: hashReq,
  });
  if (r1.status !== Status.MORE_PROCESSING_REQUIRED) throw errorFromStatus(r1.status, { op: 'log in' });
  if (dialect === Dialect.SMB311) sessPreauth = sha512(sessPreauth, r1.raw);
  t.sessionId = r1.sessionId;
  const tok1 = decodeNegTokenResp(parseSessionSetupResponse(r1).token);
  if (!tok1.responseToken) throw new EngineError('UNSUPPORTED', 'The NAS did not offer NTLM authentication.');
  const challenge = decodeChallenge(tok1.responseToken);

  // ---- round 2: NTLM AUTHENTICATE in NegTokenResp
  const who = splitUser(o.user, o.domain);
  const auth = encodeAuthenticate({ challenge, user: who.user, password: o.password, domain: who.domain });
  const r2 = await t.request({
    command: Command.SESSION_SETUP,
    body: sessionSetupRequest(securityMode, encodeNegTokenResp({ responseToken: auth.message })),
    onSent: hashReq,
  });
  if (r2.status !== Status.SUCCESS) throw errorFromStatus(r2.status, { op: 'log in' });
  const { sessionFlags } = parseSessionSetupResponse(r2);
  const guest = (sessionFlags & (SessionFlags.IS_GUEST | SessionFlags.IS_NULL)) !== 0;
  const serverRequiresSigning = (neg.securityMode & SecurityMode.SIGNING_REQUIRED) !== 0;
  const signingRequired = serverRequiresSigning || o.signing === 'required';
  if (guest && (signingRequired || o.encryption === 'required')) {
    throw new EngineError('AUTH_FAILED', 'The NAS logged this user in as a guest, which cannot sign or encrypt. Check the user name and password.');
  }

  // ---- keys
  const sessionKey = auth.sessionKey.subarray(0, 16);
  let signingKey: Buffer;
  let alg: SigningAlg;
  let enc: { c2s: Buffer; s2c: Buffer } | undefined;
  if (dialect === Dialect.SMB202 || dialect === Dialect.SMB210) {
    signingKey = sessionKey;
    alg = 'hmac-sha256';
  } else if (dialect === Dialect.SMB311) {
    signingKey = smb3Kdf(sessionKey, z('SMBSigningKey'), sessPreauth);
    alg = neg.signingAlgorithm === SigningAlgorithm.AES_GMAC ? 'aes-gmac' : neg.signingAlgorithm === SigningAlgorithm.HMAC_SHA256 ? 'hmac-sha256' : 'aes-cmac';
    // AES-256 ciphers take 256-bit keys from the same KDF (L = 256); signing stays 128-bit.
    const bits = neg.cipher === Cipher.AES256GCM || neg.cipher === Cipher.AES256CCM ? 256 : 128;
    enc = {
      c2s: smb3Kdf(sessionKey, z('SMBC2SCipherKey'), sessPreauth, bits),
      s2c: smb3Kdf(sessionKey, z('SMBS2CCipherKey'), sessPreauth, bits),
    };
  } else {
    signingKey = smb3Kdf(sessionKey, z('SMB2AESCMAC'), z('SmbSign'));
    alg = 'aes-cmac';
    enc = { c2s: smb3Kdf(sessionKey, z('SMB2AESCCM'), z('ServerIn ')), s2c: smb3Kdf(sessionKey, z('SMB2AESCCM'), z('ServerOut')) };
  }
  const signer = makeSigner(alg, signingKey);
  if (r2.flags & HeaderFlags.SIGNED) {
    if (guest || !signer.verify(r2.raw)) {
      throw new EngineError('IO', 'The NAS\'s final log-in reply failed its signature check (wrong key or tampering).');
    }
  } else if (dialect === Dialect.SMB311 && !guest) {
    throw new EngineError('IO', 'The NAS did not sign its final SMB 3.1.1 log-in reply.');
  }

  let cipher = 0;
  if (dialect === Dialect.SMB311) cipher = neg.cipher ?? 0;
  else if ((dialect === Dialect.SMB300 || dialect === Dialect.SMB302) && neg.capabilities & Capabilities.ENCRYPTION) cipher = Cipher.AES128CCM;
  const encryptor = enc && cipher !== 0 && !guest ? makeEncryptor(cipher, enc.c2s, enc.s2c) : undefined;
  const mustEncrypt = (sessionFlags & SessionFlags.ENCRYPT_DATA) !== 0 || o.encryption === 'required';
  if (mustEncrypt && !encryptor) {
    throw new EngineError('UNSUPPORTED', 'The NAS requires encryption but offered no cipher Modelshelf speaks (AES-128/256-GCM/CCM over SMB 3).');
  }
  const sign = !guest && (signingRequired || o.signing !== 'if-required');
  if (!guest) {
    // Kept even when not signing everything: SMB 3.x TREE_CONNECT requests are always signed.
    t.signer = signer;
    t.signAll = sign;
  }
  if (encryptor) t.encryptor = encryptor;
  t.encryptAll = mustEncrypt;
  t.onSmb1 = undefined;
  return {
    dialect,
    negotiate: neg,
    signingRequired,
    signing: sign ? alg : null,
    encrypted: mustEncrypt,
    cipher,
    guest,
    encryptor,
  };
}
