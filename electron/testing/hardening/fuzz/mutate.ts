// Seeded mutations of real files: truncation, bit flips, interesting bytes, huge length fields (u32 and
// u64, anywhere and where formats keep them), repeated chunks (deep nesting, long runs), splices of two
// files, and for text: deep nesting, YAML alias bombs and cycles, hostile tags, invalid UTF-8.
import type { Prng } from '../../../core/demo/prng';

export type Bytes = Uint8Array;

const HUGE32 = [0xffffffff, 0x7fffffff, 0x80000000, 1_000_000_000, 0x10000, 0xfffffffe, 0x40000000];
const HUGE64 = [1n << 60n, (1n << 63n) - 1n, (1n << 64n) - 1n, 1_000_000_000n, 1n << 32n, (1n << 53n) + 1n, 1n << 40n];
const INTERESTING = [0x00, 0xff, 0x7f, 0x80, 0x01, 0xfe, 0x0a, 0x22, 0x5b, 0x7b, 0x28];
const MAX_INPUT = 4 * 1024 * 1024;

/** A 32-bit seed from several integers (input n of target t under run seed s). */
export function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p >>> 0;
    h = Math.imul(h, 0x01000193) >>> 0;
    h ^= h >>> 13;
    h = Math.imul(h, 0x5bd1e995) >>> 0;
  }
  return h >>> 0;
}

/** Offsets are biased to the head, where headers and length fields live. */
function offset(rng: Prng, len: number, align = 1): number {
  if (len === 0) return 0;
  const span = rng.next() < 0.7 ? Math.min(len, 4096) : len;
  const o = Math.floor(rng.next() * span);
  return Math.max(0, Math.min(len - 1, o - (o % align)));
}

function copy(b: Bytes): Uint8Array {
  return Uint8Array.from(b);
}

const truncate = (b: Bytes, rng: Prng): Bytes => b.subarray(0, Math.floor(rng.next() * b.length));

function bitflip(b: Bytes, rng: Prng): Bytes {
  if (b.length === 0) return b;
  const out = copy(b);
  for (let n = rng.int(1, 8); n > 0; n--) {
    const o = offset(rng, out.length);
    out[o] = (out[o] as number) ^ (1 << rng.int(0, 7));
  }
  return out;
}

function interesting(b: Bytes, rng: Prng): Bytes {
  if (b.length === 0) return b;
  const out = copy(b);
  for (let n = rng.int(1, 4); n > 0; n--) out[offset(rng, out.length)] = rng.pick(INTERESTING);
  return out;
}

function huge32(b: Bytes, rng: Prng): Bytes {
  if (b.length < 4) return b;
  const out = copy(b);
  const o = Math.min(out.length - 4, offset(rng, out.length, rng.next() < 0.5 ? 4 : 1));
  new DataView(out.buffer, out.byteOffset).setUint32(o, rng.pick(HUGE32), rng.next() < 0.85);
  return out;
}

function huge64(b: Bytes, rng: Prng): Bytes {
  if (b.length < 8) return b;
  const out = copy(b);
  const o = Math.min(out.length - 8, offset(rng, out.length, rng.next() < 0.5 ? 8 : 1));
  new DataView(out.buffer, out.byteOffset).setBigUint64(o, rng.pick(HUGE64), rng.next() < 0.85);
  return out;
}

/** Where formats keep their lengths and counts: the first fields, and the footer. */
function lengthFields(b: Bytes, rng: Prng): Bytes {
  if (b.length < 16) return huge32(b, rng);
  const out = copy(b);
  const dv = new DataView(out.buffer, out.byteOffset);
  switch (rng.int(0, 4)) {
    case 0: // safetensors header length / GGUF magic+version
      dv.setBigUint64(0, rng.pick(HUGE64), true);
      break;
    case 1: // GGUF tensor count, KV count
      if (out.length >= 24) dv.setBigUint64(rng.pick([8, 16]), rng.pick(HUGE64), true);
      break;
    case 2: // Parquet footer length (before 'PAR1'), Arrow footer length, zip comment length
      dv.setUint32(out.length - 8, rng.pick(HUGE32), true);
      break;
    case 3: {
      // zip end of central directory: entry counts, directory size and offset
      let eocd = -1;
      for (let i = out.length - 22; i >= Math.max(0, out.length - 65_557); i--) {
        if (out[i] === 0x50 && out[i + 1] === 0x4b && out[i + 2] === 0x05 && out[i + 3] === 0x06) {
          eocd = i;
          break;
        }
      }
      if (eocd < 0) return huge32(b, rng);
      const field = rng.pick([8, 10, 12, 16]);
      if (field < 12) dv.setUint16(eocd + field, 0xffff, true);
      else dv.setUint32(eocd + field, rng.pick(HUGE32), true);
      break;
    }
    default:
      dv.setUint32(4 * rng.int(0, 3), rng.pick(HUGE32), true);
  }
  return out;
}

function repeatChunk(b: Bytes, rng: Prng): Bytes {
  if (b.length === 0) return b;
  const at = offset(rng, b.length);
  const len = Math.min(b.length - at, rng.int(1, 64));
  const times = rng.pick([2, 16, 256, 4096, 20_000]);
  if (len * times > MAX_INPUT / 2) return b;
  const chunk = b.subarray(at, at + len);
  const out = new Uint8Array(b.length + len * times);
  out.set(b.subarray(0, at), 0);
  for (let i = 0; i < times; i++) out.set(chunk, at + i * len);
  out.set(b.subarray(at), at + len * times);
  return out;
}

function deleteRange(b: Bytes, rng: Prng): Bytes {
  if (b.length < 2) return b;
  const at = offset(rng, b.length);
  const len = Math.min(b.length - at, rng.int(1, 256));
  const out = new Uint8Array(b.length - len);
  out.set(b.subarray(0, at), 0);
  out.set(b.subarray(at + len), at);
  return out;
}

function insertRandom(b: Bytes, rng: Prng): Bytes {
  const at = offset(rng, b.length + 1);
  const add = rng.bytes(rng.int(1, 64));
  const out = new Uint8Array(b.length + add.length);
  out.set(b.subarray(0, at), 0);
  out.set(add, at);
  out.set(b.subarray(at), at + add.length);
  return out;
}

function zeroRange(b: Bytes, rng: Prng): Bytes {
  if (b.length === 0) return b;
  const out = copy(b);
  const at = offset(rng, out.length);
  out.fill(rng.next() < 0.5 ? 0 : 0xff, at, Math.min(out.length, at + rng.int(1, 512)));
  return out;
}

function splice(b: Bytes, rng: Prng, others: readonly Bytes[]): Bytes {
  const other = others.length ? rng.pick(others) : b;
  const a = Math.floor(rng.next() * (b.length + 1));
  const o = Math.floor(rng.next() * (other.length + 1));
  const out = new Uint8Array(a + other.length - o);
  out.set(b.subarray(0, a), 0);
  out.set(other.subarray(o), a);
  return out;
}

const BYTE_MUTATORS = [truncate, bitflip, interesting, huge32, huge64, lengthFields, repeatChunk, deleteRange, insertRandom, zeroRange, splice];

/** One to three stacked mutations of `seed`. */
export function mutateBytes(seed: Bytes, rng: Prng, others: readonly Bytes[]): Bytes {
  let out = seed;
  for (let n = rng.int(1, 3); n > 0; n--) out = rng.pick(BYTE_MUTATORS)(out, rng, others);
  return out.length > MAX_INPUT ? out.subarray(0, MAX_INPUT) : out;
}

// ---- text ----

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: false });

function nested(rng: Prng): string {
  const depth = rng.pick([100, 1000, 5000, 20_000]);
  switch (rng.int(0, 5)) {
    case 0:
      return `${'['.repeat(depth)}1${']'.repeat(depth)}`;
    case 1:
      return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
    case 2:
      return `${'- '.repeat(Math.min(depth, 2000))}x\n`;
    case 3:
      return Array.from({ length: Math.min(depth, 500) }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n');
    case 4:
      return `a: ${'['.repeat(depth)}`;
    default:
      return `${'{'.repeat(depth)}`;
  }
}

function aliasBomb(rng: Prng): string {
  const levels = rng.int(3, 10);
  const width = rng.int(2, 10);
  const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: width }, () => `*a${i - 1}`).join(',')}]`);
  const key = rng.pick(['datasets', 'tags', 'architectures', 'names', 'flavors', 'name', 'base_model']);
  lines.push(`${key}: *a${levels - 1}`);
  return lines.join('\n');
}

function cycle(rng: Prng): string {
  const key = rng.pick(['datasets', 'tags', 'flavors', 'names', 'language', 'base_model', 'source', 'train']);
  return rng.pick([
    `${key}: &c [*c]`,
    `${key}: &c {k: *c}`,
    `${key}: &c [1, [2, *c]]`,
    `base: &b {x: 1}\n${key}: &c {<<: *b, self: *c}`,
    `&root {${key}: *root}`,
  ]);
}

const TAGS = [
  '!!python/object/apply:os.system ["touch /tmp/modelshelf-yaml-pwned"]',
  '!!python/object/new:subprocess.Popen [["touch", "/tmp/modelshelf-yaml-pwned"]]',
  '!!js/function "function(){ require(\'fs\').writeFileSync(\'/tmp/modelshelf-yaml-pwned\', \'x\') }"',
  '!<tag:yaml.org,2002:python/name:builtins.exec>',
  '!!binary AAAA',
  '!!timestamp 2026-13-45',
  '!!float .nan',
  '!!int 0x7fffffffffffffffffff',
];

function hostileTag(rng: Prng): string {
  return `${rng.pick(['name', 'datasets', 'tags', 'flavors', 'current_stage', 'license', 'lr', 'download'])}: ${rng.pick(TAGS)}`;
}

/** Mutated text: byte mutations of a seed, or a seed with a hostile fragment spliced in. */
export function mutateText(seed: string, rng: Prng, others: readonly string[]): Bytes {
  const r = rng.next();
  if (r < 0.45) return mutateBytes(enc.encode(seed), rng, others.map((o) => enc.encode(o)));
  const fragment = rng.pick([nested, aliasBomb, cycle, hostileTag, nested, aliasBomb, cycle])(rng);
  const lines = seed.split('\n');
  const at = rng.int(0, lines.length);
  if (r < 0.75) lines.splice(at, 0, fragment);
  else return enc.encode(rng.next() < 0.5 ? fragment : `---\n${fragment}\n---\n# t\n`);
  let text = lines.join('\n');
  if (rng.next() < 0.1) text = `\uFEFF${text}`;
  if (rng.next() < 0.1) text = text.replace(/\n/g, '\r\n');
  const out = enc.encode(text);
  if (rng.next() < 0.1 && out.length > 0) out[offset(rng, out.length)] = rng.pick([0xc3, 0xff, 0x00, 0xed]);
  return out;
}

export function decode(b: Bytes): string {
  return dec.decode(b);
}
