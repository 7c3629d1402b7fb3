// YOLO dataset YAML (Ultralytics `data.yaml`): path, train, val, test, nc, names. Parsed as data —
// YAML tags are never constructed — and a `download:` entry (a URL, or a Python script Ultralytics
// would exec) is only noted: nothing here runs or downloads it.
import { parseDocument } from 'yaml';
import { clip, decodeUtf8, readExact } from './bytes';
import type { RangeSource } from './range-source';
import { type FormatInfo, NotThisFormat } from './types';

export const YOLO_YAML_CAP = 256 * 1024;

function pathValue(v: unknown): unknown {
  if (typeof v === 'string') return clip(v, 500);
  if (Array.isArray(v)) return v.filter((x) => typeof x === 'string').slice(0, 50).map((x) => clip(x as string, 500));
  return undefined;
}

export async function readYoloData(src: RangeSource): Promise<FormatInfo> {
  if (src.size > YOLO_YAML_CAP) throw new NotThisFormat('YAML file too large for a dataset description');
  const text = decodeUtf8(await readExact(src, 0, src.size, 'YAML'));
  let doc: unknown;
  const warnings: string[] = [];
  try {
    const d = parseDocument(text, { logLevel: 'silent', prettyErrors: false, uniqueKeys: false });
    if (d.errors.length) throw new NotThisFormat('YAML does not parse');
    doc = d.toJS({ maxAliasCount: 100 });
    if (d.warnings.some((w) => /Unresolved tag/.test(w.message))) warnings.push('YAML tags were kept as plain data (never constructed)');
  } catch (err) {
    if (err instanceof NotThisFormat) throw err;
    throw new NotThisFormat(`YAML could not be read (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
  }
  const d = doc && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : null;
  if (!d) throw new NotThisFormat('not a YAML mapping');
  const names = d.names;
  const hasNames = Array.isArray(names) || (names !== null && typeof names === 'object') || typeof d.nc === 'number';
  const hasSplits = ['train', 'val', 'test', 'path'].some((k) => typeof d[k] === 'string' || Array.isArray(d[k]));
  if (!hasNames || !hasSplits) throw new NotThisFormat('not a YOLO dataset description (needs names/nc and train/val)');
  const metadata: Record<string, unknown> = { task: 'yolo' };
  for (const k of ['path', 'train', 'val', 'test']) {
    const v = pathValue(d[k]);
    if (v !== undefined) metadata[k] = v;
  }
  let classes: string[] = [];
  if (Array.isArray(names)) classes = names.map((n) => clip(String(n), 100));
  else if (names && typeof names === 'object') {
    classes = Object.entries(names as Record<string, unknown>)
      .sort((a, b) => Number(a[0]) - Number(b[0]))
      .map(([, n]) => clip(String(n), 100));
  }
  if (classes.length) metadata.classes = classes.slice(0, 1000);
  metadata.nc = typeof d.nc === 'number' ? d.nc : classes.length;
  if (typeof d.nc === 'number' && classes.length && d.nc !== classes.length) warnings.push(`nc is ${d.nc} but ${classes.length} names are listed`);
  if (d.download !== undefined && d.download !== null) {
    const dl = String(d.download);
    const isUrl = /^https?:\/\/\S+$/.test(dl.trim());
    metadata.download = { kind: isUrl ? 'url' : 'script', preview: clip(dl.trim(), 300) };
    warnings.push(isUrl ? 'download: names a URL; Modelshelf never downloads it' : 'download: holds a script; Modelshelf never runs it');
  }
  return { format: 'yolo-data', kind: 'dataset', metadata, warnings };
}
