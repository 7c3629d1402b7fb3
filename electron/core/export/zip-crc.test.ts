// yazl computes every zip entry's CRC-32 through `buffer-crc32`, which package.json's "overrides"
// replaces with vendor/buffer-crc32 (zlib's native crc32; the original is a JavaScript byte loop,
// ~10× slower). These tests pin that yazl really gets the replacement and that it returns what
// buffer-crc32 1.0.0 returns.
import { createRequire } from 'node:module';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';

const require = createRequire(import.meta.url);
type Crc32 = ((input: string | Uint8Array | number, partial?: Buffer | number) => Buffer) & {
  signed: (input: string | Uint8Array | number, partial?: Buffer | number) => number;
  unsigned: (input: string | Uint8Array | number, partial?: Buffer | number) => number;
  native?: boolean;
};

/** buffer-crc32 1.0.0's algorithm (CRC-32/ISO-HDLC, reflected, polynomial 0xEDB88320), bit by bit. */
function reference(data: Uint8Array, previous = 0): number {
  let crc = ~previous >>> 0;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return ~crc >>> 0;
}

describe('buffer-crc32 as yazl loads it', () => {
  const crc32 = require(require.resolve('buffer-crc32', { paths: [require.resolve('yazl')] })) as Crc32;

  it('is the native build from vendor/', () => {
    expect(crc32.native).toBe(true);
    expect(require.resolve('buffer-crc32', { paths: [require.resolve('yazl')] })).toMatch(/vendor[\\/]buffer-crc32[\\/]index\.js$/);
  });

  it('returns the CRC-32 check value and what the original returns, in all three forms', () => {
    expect(crc32.unsigned('123456789')).toBe(0xcbf43926);
    expect(crc32('123456789')).toEqual(Buffer.from([0xcb, 0xf4, 0x39, 0x26]));
    expect(crc32.signed('123456789')).toBe(0xcbf43926 | 0);
    expect(crc32.unsigned(Buffer.alloc(0))).toBe(0);
    expect(crc32.unsigned(3)).toBe(reference(new Uint8Array(3)));
    const data = randomBytes(100_003);
    expect(crc32.unsigned(data)).toBe(reference(data));
    expect(crc32.unsigned(new Uint8Array(data))).toBe(reference(data));
  });

  it('continues a partial CRC given as a number or as the Buffer it returned, as yazl does chunk by chunk', () => {
    const data = randomBytes(70_001);
    const whole = reference(data);
    let running = 0;
    for (let at = 0; at < data.length; at += 8192) running = crc32.unsigned(data.subarray(at, at + 8192), running);
    expect(running).toBe(whole);
    const first = crc32(data.subarray(0, 1000));
    expect(crc32.unsigned(data.subarray(1000), first)).toBe(whole);
    expect(crc32.unsigned(data.subarray(1000), reference(data.subarray(0, 1000)) | 0)).toBe(whole);
  });

  it('refuses what the original refuses', () => {
    expect(() => crc32.unsigned({} as unknown as string)).toThrow(/input must be buffer, number, or string/);
  });
});
