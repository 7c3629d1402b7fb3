// Parquet: `PAR1 … FileMetaData (thrift compact) u32LE length PAR1`. We read the tail ourselves (one
// 64 KiB read, a second only if the footer is longer) and let hyparquet's parquetMetadata parse it.
import { parquetMetadata } from 'hyparquet';
import type { FileMetaData, SchemaElement } from 'hyparquet';
import { clip, readExact, view } from './bytes';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

const TAIL_READ = 64 * 1024;
export const PARQUET_MAX_FOOTER = 16 * 1024 * 1024;

export async function readParquet(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  if (src.size < 12) throw new FormatError('file is too small to be Parquet');
  const tailLen = Math.min(src.size, TAIL_READ);
  const tail = await readExact(src, src.size - tailLen, tailLen, 'footer');
  const tv = view(tail);
  const magic = tv.getUint32(tail.length - 4, true);
  if (magic === 0x45524150) throw new FormatError('Parquet file with an encrypted footer (PARE): metadata is not readable');
  if (magic !== 0x31524150) throw new FormatError('missing PAR1 footer magic (not Parquet, or the file is truncated)');
  const metaLen = tv.getUint32(tail.length - 8, true);
  if (metaLen + 12 > src.size) throw new FormatError('declared footer length is larger than the file');
  if (metaLen > PARQUET_MAX_FOOTER) throw new FormatError(`footer is larger than ${PARQUET_MAX_FOOTER} bytes`);
  const footer = metaLen + 8 <= tail.length
    ? tail.subarray(tail.length - metaLen - 8)
    : await readExact(src, src.size - metaLen - 8, metaLen + 8, 'footer');

  let meta: FileMetaData;
  try {
    // hyparquet wants the footer at the end of the buffer it is given; copy into a fresh buffer.
    meta = parquetMetadata(footer.slice());
  } catch (err) {
    throw new FormatError(`footer could not be parsed (${err instanceof Error ? err.message : String(err)})`);
  }

  const columns = topLevelColumns(meta.schema, warnings);
  const leafColumns = meta.schema.filter((e) => e.type !== undefined).length;
  const metadata: Record<string, unknown> = {
    rows: toNumber(meta.num_rows),
    columns: columns.length,
    leafColumns,
    schema: columns.slice(0, 200),
    rowGroups: meta.row_groups.length,
    footerBytes: metaLen,
  };
  if (meta.created_by) metadata.createdBy = clip(meta.created_by, 200);
  const codecs = new Set<string>();
  let uncompressed = 0;
  for (const rg of meta.row_groups.slice(0, 10_000)) {
    uncompressed += toNumber(rg.total_byte_size);
    for (const c of rg.columns.slice(0, 1000)) if (c.meta_data?.codec) codecs.add(c.meta_data.codec);
  }
  metadata.uncompressedBytes = uncompressed;
  if (codecs.size) metadata.codecs = [...codecs];
  const kv = meta.key_value_metadata ?? [];
  if (kv.length) metadata.keyValueKeys = kv.slice(0, 50).map((e) => clip(String(e.key), 200));
  const hf = kv.find((e) => e.key === 'huggingface');
  if (hf?.value && hf.value.length < 64 * 1024) {
    try {
      const doc = JSON.parse(hf.value) as { info?: { features?: unknown } };
      if (doc.info?.features) metadata.huggingfaceFeatures = Object.keys(doc.info.features as object).slice(0, 200);
    } catch {
      warnings.push('"huggingface" key-value metadata is not valid JSON');
    }
  }
  return { format: 'parquet', kind: 'dataset', metadata, warnings };
}

function toNumber(v: bigint | number | undefined): number {
  if (v === undefined) return 0;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** The root's direct children with a readable type name. */
function topLevelColumns(schema: SchemaElement[], warnings: string[]): { name: string; type: string }[] {
  const out: { name: string; type: string }[] = [];
  const root = schema[0];
  if (!root) return out;
  let i = 1;
  const skipSubtree = (): void => {
    // iterative: count how many elements remain in the current subtree
    let pending = 1;
    while (pending > 0 && i < schema.length) {
      pending += (schema[i]?.num_children ?? 0) - 1;
      i++;
    }
  };
  const n = root.num_children ?? 0;
  for (let c = 0; c < n && i < schema.length; c++) {
    const el = schema[i] as SchemaElement;
    out.push({ name: clip(String(el.name), 200), type: typeName(el) });
    skipSubtree();
  }
  if (out.length < n) warnings.push('schema lists fewer columns than the root declares');
  return out;
}

function typeName(el: SchemaElement): string {
  const lt = el.logical_type?.type;
  if (lt === 'STRING' || el.converted_type === 'UTF8') return 'string';
  if (lt === 'LIST' || el.converted_type === 'LIST') return 'list';
  if (lt === 'MAP' || el.converted_type === 'MAP') return 'map';
  if (lt === 'TIMESTAMP') return 'timestamp';
  if (lt === 'DATE' || el.converted_type === 'DATE') return 'date';
  if (lt === 'DECIMAL' || el.converted_type === 'DECIMAL') return 'decimal';
  if (el.type === undefined) return 'struct';
  return el.type.toLowerCase();
}
