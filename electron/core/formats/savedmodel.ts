// TensorFlow SavedModel `saved_model.pb`: SavedModel {1 saved_model_schema_version, 2 meta_graphs}.
// MetaGraphDef {1 meta_info_def {1 meta_graph_version, 4 tags, 5 tensorflow_version,
// 6 tensorflow_git_version}, 2 graph_def (large: jumped over), 5 signature_def map}. Walked with a
// cursor: small fields are read, big ones skipped.
import { SourceCursor, clip } from './bytes';
import { cursorField, pbFields, pbString } from './protobuf';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

const SMALL = 1024 * 1024;

export async function readSavedModel(src: RangeSource): Promise<FormatInfo> {
  if (src.size < 2) throw new FormatError('file is too small to be a SavedModel');
  const c = new SourceCursor(src, 0, Math.min(src.size, 64 * 1024), 4096);
  const metadata: Record<string, unknown> = {};
  const graphs: Array<Record<string, unknown>> = [];
  let fields = 0;
  while (c.pos < src.size) {
    if (++fields > 10_000) throw new FormatError('too many top-level fields: not a SavedModel');
    const h = await cursorField(c);
    if (h.field === 1 && h.wire === 0) metadata.schemaVersion = h.num;
    else if (h.field === 2 && h.wire === 2) {
      const end = c.pos + h.num;
      if (graphs.length < 8) graphs.push(await metaGraph(c, end));
      c.pos = end;
    } else if (h.wire === 2) c.skip(h.num);
    else if (h.field > 100) throw new FormatError('unexpected field: not a SavedModel');
  }
  if (graphs.length === 0) throw new FormatError('no meta graphs: not a SavedModel');
  metadata.metaGraphs = graphs.length;
  const first = graphs[0] as Record<string, unknown>;
  for (const k of ['tags', 'tensorflowVersion', 'tensorflowGitVersion', 'signatures']) if (first[k] !== undefined) metadata[k] = first[k];
  if (graphs.length > 1) metadata.allTags = graphs.map((g) => g.tags ?? []);
  return { format: 'tf-savedmodel', kind: 'model', metadata, warnings: [] };
}

async function metaGraph(c: SourceCursor, end: number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  const signatures: string[] = [];
  while (c.pos < end) {
    const h = await cursorField(c);
    if (h.wire !== 2) continue;
    if (c.pos + h.num > end) throw new FormatError('meta graph field runs past the meta graph');
    if (h.field === 1) {
      const infoEnd = c.pos + h.num;
      const tags: string[] = [];
      while (c.pos < infoEnd) {
        const f = await cursorField(c);
        if (f.wire !== 2) continue;
        if ((f.field === 1 || f.field === 4 || f.field === 5 || f.field === 6) && f.num <= SMALL) {
          const s = clip(pbString(await c.readBytes(f.num)), 200);
          if (f.field === 4) tags.push(s);
          else if (f.field === 5) out.tensorflowVersion = s;
          else if (f.field === 6) out.tensorflowGitVersion = s;
          else out.metaGraphVersion = s;
        } else c.skip(f.num); // stripped_op_list and any_info can be large
      }
      out.tags = tags;
    } else if (h.field === 5 && h.num <= SMALL) {
      for (const f of pbFields(await c.readBytes(h.num), 100)) {
        if (f.field === 1 && f.wire === 2 && signatures.length < 50) signatures.push(clip(pbString(f.bytes), 200));
      }
    } else c.skip(h.num);
  }
  if (signatures.length) out.signatures = signatures;
  return out;
}
