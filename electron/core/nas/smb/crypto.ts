// Cryptographic building blocks for NTLM and SMB 2/3 signing and encryption. Everything comes from
// node:crypto except MD4 (absent from OpenSSL 3's default provider → js-md4) and RC4 (legacy
// provider → a few lines here; it only wraps the 16-byte NTLM session key).
import { createCipheriv, createDecipheriv, createHash, createHmac, timingSafeEqual } from 'node:crypto';
import md4 from 'js-md4';

export function md4Digest(data: Uint8Array): Buffer {
  return Buffer.from(md4.arrayBuffer(data));
}

export function hmacMd5(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('md5', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function hmacSha256(key: Uint8Array, ...parts: Uint8Array[]): Buffer {
  const h = createHmac('sha256', key);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function sha512(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha512');
  for (const p of parts) h.update(p);
  return h.digest();
}

/** RC4 (only used to wrap the 16-byte exported session key in NTLM KEY_EXCH). */
export function rc4(key: Uint8Array, data: Uint8Array): Buffer {
  const s = new Uint8Array(256);
  for (let i = 0; i < 256; i++) s[i] = i;
  let j = 0;
  for (let i = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 0xff;
    const t = s[i]!;
    s[i] = s[j]!;
    s[j] = t;
  }
  const out = Buffer.alloc(data.length);
  let i = 0;
  j = 0;
  for (let k = 0; k < data.length; k++) {
    i = (i + 1) & 0xff;
    j = (j + s[i]!) & 0xff;
    const t = s[i]!;
    s[i] = s[j]!;
    s[j] = t;
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 0xff]!;
  }
  return out;
}

function aesEcbBlock(key: Uint8Array, block: Uint8Array): Buffer {
  const c = createCipheriv(key.length === 32 ? 'aes-256-ecb' : 'aes-128-ecb', key, null);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(block), c.final()]);
}

function shiftLeft1(b: Uint8Array): Buffer {
  const out = Buffer.alloc(16);
  for (let i = 0; i < 16; i++) out[i] = ((b[i]! << 1) | (i < 15 ? b[i + 1]! >>> 7 : 0)) & 0xff;
  return out;
}

function cmacSubkeys(key: Uint8Array): [Buffer, Buffer] {
  const l = aesEcbBlock(key, Buffer.alloc(16));
  const k1 = shiftLeft1(l);
  if (l[0]! & 0x80) k1[15]! ^= 0x87;
  const k2 = shiftLeft1(k1);
  if (k1[0]! & 0x80) k2[15]! ^= 0x87;
  return [k1, k2];
}

/** AES-128-CMAC (RFC 4493). The bulk of the message goes through native AES-CBC. */
export function aesCmac(key: Uint8Array, message: Uint8Array): Buffer {
  return aesCmacParts(key, [message]);
}

/** AES-CMAC over the concatenation of `parts`, without concatenating them. */
export function aesCmacParts(key: Uint8Array, parts: Uint8Array[]): Buffer {
  const [k1, k2] = cmacSubkeys(key);
  const n = parts.reduce((a, p) => a + p.length, 0);
  const blocks = n === 0 ? 1 : Math.ceil(n / 16);
  const complete = n !== 0 && n % 16 === 0;
  const lastStart = (blocks - 1) * 16;
  // Everything before the last block through AES-CBC (zero IV); keep its last output block.
  const tailBytes = Buffer.alloc(16);
  let tailLen = 0;
  let prev: Buffer | undefined;
  const c = lastStart > 0 ? createCipheriv('aes-128-cbc', key, Buffer.alloc(16)) : undefined;
  c?.setAutoPadding(false);
  let pos = 0;
  for (const p of parts) {
    const headEnd = Math.max(0, Math.min(p.length, lastStart - pos));
    if (headEnd > 0) {
      const out = c!.update(p.subarray(0, headEnd));
      if (out.length >= 16) prev = out.subarray(out.length - 16);
    }
    if (headEnd < p.length) {
      const rest = p.subarray(headEnd);
      Buffer.from(rest.buffer, rest.byteOffset, rest.length).copy(tailBytes, tailLen);
      tailLen += rest.length;
    }
    pos += p.length;
  }
  c?.final();
  const last = Buffer.alloc(16);
  if (complete) {
    for (let i = 0; i < 16; i++) last[i] = tailBytes[i]! ^ k1[i]!;
  } else {
    tailBytes.copy(last, 0, 0, tailLen);
    last[tailLen] = 0x80;
    for (let i = 0; i < 16; i++) last[i]! ^= k2[i]!;
  }
  if (prev) for (let i = 0; i < 16; i++) last[i]! ^= prev[i]!;
  return aesEcbBlock(key, last);
}

/** AES-GMAC = AES-GCM with the message as additional data and nothing to encrypt. */
export function aesGmac(key: Uint8Array, nonce12: Uint8Array, ...message: Uint8Array[]): Buffer {
  const c = createCipheriv(key.length === 32 ? 'aes-256-gcm' : 'aes-128-gcm', key, nonce12);
  for (const m of message) if (m.length > 0) c.setAAD(m);
  c.final();
  return c.getAuthTag();
}

/** SP800-108 KDF in counter mode with HMAC-SHA256, one block, as [MS-SMB2] 3.1.4.2 uses it. */
export function smb3Kdf(key: Uint8Array, label: Uint8Array, context: Uint8Array, bits = 128): Buffer {
  const i = Buffer.from([0, 0, 0, 1]);
  const l = Buffer.alloc(4);
  l.writeUInt32BE(bits, 0);
  return hmacSha256(key, i, label, Buffer.from([0]), context, l).subarray(0, bits / 8);
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** AEAD used by the SMB 3 transform header: AES-128/256 GCM (12-byte nonce) or CCM (11-byte nonce). */
export function aeadEncrypt(
  alg: 'gcm' | 'ccm',
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array,
): { ciphertext: Buffer; tag: Buffer } {
  const bits = key.length * 8;
  if (alg === 'gcm') {
    const c = createCipheriv(`aes-${bits}-gcm` as 'aes-128-gcm', key, nonce);
    c.setAAD(aad);
    const ciphertext = joined(c.update(plaintext), c.final());
    return { ciphertext, tag: c.getAuthTag() };
  }
  const c = createCipheriv(`aes-${bits}-ccm` as 'aes-128-ccm', key, nonce, { authTagLength: 16 });
  c.setAAD(aad, { plaintextLength: plaintext.length });
  const ciphertext = joined(c.update(plaintext), c.final());
  return { ciphertext, tag: c.getAuthTag() };
}

export function aeadDecrypt(
  alg: 'gcm' | 'ccm',
  key: Uint8Array,
  nonce: Uint8Array,
  aad: Uint8Array,
  ciphertext: Uint8Array,
  tag: Uint8Array,
): Buffer {
  const bits = key.length * 8;
  if (alg === 'gcm') {
    const d = createDecipheriv(`aes-${bits}-gcm` as 'aes-128-gcm', key, nonce);
    d.setAuthTag(tag);
    d.setAAD(aad);
    return joined(d.update(ciphertext), d.final());
  }
  const d = createDecipheriv(`aes-${bits}-ccm` as 'aes-128-ccm', key, nonce, { authTagLength: 16 });
  d.setAuthTag(tag);
  d.setAAD(aad, { plaintextLength: ciphertext.length });
  return joined(d.update(ciphertext), d.final());
}

/** update() + final() output without copying when final() adds nothing (always, for GCM/CCM). */
function joined(a: Buffer, b: Buffer): Buffer {
  return b.length === 0 ? a : Buffer.concat([a, b]);
}
