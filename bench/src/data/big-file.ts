// P3's 1 GiB file: a safetensors file (so the engine sees a model version it can export) whose one
// U8 tensor is incompressible-looking data — 16 MiB of random bytes, each 16 MiB block stamped
// with its index so no two blocks are equal. Its sha256 is computed while writing.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, writeSync } from 'node:fs';

function safetensorsHeader(size: number): Buffer {
  // The header's length depends on the tensor's length, which depends on the header's: iterate.
  let headerLen = 0;
  for (;;) {
    const n = size - 8 - headerLen;
    let json = JSON.stringify({ __metadata__: { format: 'pt' }, weight: { dtype: 'U8', shape: [n], data_offsets: [0, n] } });
    json += ' '.repeat((8 - (json.length % 8)) % 8);
    if (json.length === headerLen) {
      const out = Buffer.alloc(8 + json.length);
      out.writeBigUInt64LE(BigInt(json.length), 0);
      out.write(json, 8, 'latin1');
      return out;
    }
    headerLen = json.length;
  }
}

export function writeBigFile(file: string, size: number): { sha256: string; ms: number } {
  const started = performance.now();
  const block = randomBytes(16 * 1024 * 1024);
  const hash = createHash('sha256');
  const fd = openSync(file, 'w');
  const put = (part: Buffer) => {
    let done = 0;
    while (done < part.length) done += writeSync(fd, part, done, part.length - done);
    hash.update(part);
  };
  try {
    const head = safetensorsHeader(size);
    put(head);
    for (let at = head.length, i = 0; at < size; at += block.length, i++) {
      block.writeUInt32LE(i, 0);
      block.writeUInt32LE((i ^ 0x9e3779b9) >>> 0, block.length - 4);
      put(block.subarray(0, Math.min(block.length, size - at)));
    }
  } finally {
    closeSync(fd);
  }
  return { sha256: hash.digest('hex'), ms: performance.now() - started };
}
