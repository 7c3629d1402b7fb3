import { describe, expect, it } from 'vitest';
import { writeParquet } from '../demo/data-writers';
import { sparseRange } from './bytes';
import { readFormat } from './index';
import { readParquet } from './parquet';
import { bufferRange } from './range-source';
import { concat, cutPoints, enc } from './test-helpers';

const file = () => writeParquet([
  { name: 'id', type: 'int64', values: [1, 2, 3] },
  { name: 'name', type: 'string', values: ['a', 'b', 'c'] },
  { name: 'score', type: 'double', values: [0.5, 1.5, 2.5] },
], { pandas: '{}' });

describe('readParquet', () => {
  it('reads rows, columns and schema from the footer', async () => {
    const info = await readParquet(bufferRange(file()));
    expect(info).toMatchObject({ format: 'parquet', kind: 'dataset', warnings: [] });
    expect(info.metadata).toMatchObject({
      rows: 3, columns: 3, leafColumns: 3, rowGroups: 1, createdBy: 'modelshelf demo writer', keyValueKeys: ['pandas'],
      schema: [{ name: 'id', type: 'int64' }, { name: 'name', type: 'string' }, { name: 'score', type: 'double' }],
    });
  });

  it('reads only the tail of a large file', async () => {
    const f = file();
    // Place the real footer at the end of a 1 GiB file of zeros.
    const footerLen = new DataView(f.buffer).getUint32(f.length - 8, true);
    const tail = f.subarray(f.length - footerLen - 8);
    const src = sparseRange(enc('PAR1'), 1024 * 1024 * 1024, tail);
    const info = await readParquet(src);
    expect(info.metadata.rows).toBe(3);
    expect(src.reads).toBe(1);
    expect(src.bytesRead).toBe(64 * 1024);
    console.log(`parquet: file ${src.size} B, read ${src.bytesRead} B in ${src.reads} read`);
  });

  it('survives truncation and hostile footers', async () => {
    const f = file();
    for (const cut of cutPoints(f.length)) {
      const info = await readFormat('d.parquet', bufferRange(f.subarray(0, cut)));
      expect(info?.format).toBe('parquet');
      expect(info?.warnings.length).toBeGreaterThan(0);
    }
    const lenBomb = concat(enc('PAR1'), new Uint8Array(20), Uint8Array.of(0xff, 0xff, 0xff, 0x7f), enc('PAR1'));
    await expect(readParquet(bufferRange(lenBomb))).rejects.toThrow(/larger than the file/);
    // list header claiming 2^28 schema elements inside a small footer
    const meta = Uint8Array.of(0x15, 0x02, 0x19, 0xfc, 0xff, 0xff, 0xff, 0x01, 0x00);
    const listBomb = concat(enc('PAR1'), meta, Uint8Array.of(meta.length, 0, 0, 0), enc('PAR1'));
    await expect(readParquet(bufferRange(listBomb))).rejects.toThrow(/could not be parsed/);
    const garbage = concat(enc('PAR1'), new Uint8Array(64).fill(0xff), Uint8Array.of(64, 0, 0, 0), enc('PAR1'));
    await expect(readParquet(bufferRange(garbage))).rejects.toThrow(/could not be parsed/);
    await expect(readParquet(bufferRange(concat(enc('PAR1'), new Uint8Array(10), Uint8Array.of(0, 0, 0, 0), enc('PARE'))))).rejects.toThrow(/encrypted/);
  });
});
