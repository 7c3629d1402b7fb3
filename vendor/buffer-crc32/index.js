// The API of buffer-crc32 1.0.0 — crc32(input, partial) → 4-byte Buffer, .signed, .unsigned —
// computed by zlib's native crc32 (Node ≥ 20.15, every Electron this app supports).
//
// Why this replaces the real package (package.json "overrides"): yazl, which writes our zip
// exports, hashes every byte of every entry with buffer-crc32, a byte-at-a-time JavaScript table
// loop. Measured on this project's 2-core test machine: 277 MB/s against 2.6 GB/s for zlib.crc32,
// so a 1 GiB zip export spent ~3.7 s of its 5.3 s on the event loop computing CRCs. Same numbers,
// same inputs accepted (Buffer / Uint8Array, string as UTF-8, a size as that many zero bytes), same
// partial-CRC forms (a number or the 4-byte Buffer this function returns).
const zlib = require('node:zlib');

if (typeof zlib.crc32 !== 'function') {
  throw new Error(`buffer-crc32 (Modelshelf's native build) needs zlib.crc32: Node 20.15 or later (this is ${process.version}).`);
}

function toBytes(input) {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string') return Buffer.from(input);
  if (typeof input === 'number') return Buffer.alloc(input);
  throw new Error(`input must be buffer, number, or string, received ${typeof input}`);
}

function unsigned(input, previous) {
  const start = Buffer.isBuffer(previous) ? previous.readUInt32BE(0) : ~~previous >>> 0;
  return zlib.crc32(toBytes(input), start);
}

function crc32(input, previous) {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(unsigned(input, previous), 0);
  return out;
}

crc32.unsigned = unsigned;
crc32.signed = (input, previous) => unsigned(input, previous) | 0;
/** Marks this build (tests check that yazl gets it). */
crc32.native = true;

module.exports = crc32;
