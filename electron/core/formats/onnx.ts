// ONNX ModelProto: walk the top-level fields, jump over the graph, read the small fields (ir_version,
// producer, opset_import, metadata_props) wherever they sit. The graph is then walked on a small
// budget for node/initializer counts and a parameter count; large raw_data is jumped over.
import { SourceCursor, addTo, clip, product, pushWarning } from './bytes';
import { cursorField, decodePackedVarints, pbFields, pbString } from './protobuf';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

const SMALL_FIELD = 1 << 20;
/**
 * Read budget. The top-level fields sit before and after the graph; in the graph, node lists are
 * read in 16 KiB steps, and each initializer (a few dims, a type and a name in front of raw_data
 * that is jumped over) costs one small read after a jump. A 2 GiB transformer with ~300 initializers
 * costs ~0.4 MiB this way. Past the budget the counts are reported as partial instead of reading on.
 */
const TOP_CHUNK = 64 * 1024;
const TOP_JUMP_CHUNK = 4 * 1024;
const GRAPH_CHUNK = 16 * 1024;
const GRAPH_JUMP_CHUNK = 1024;
const GRAPH_MAX_BYTES = 1 << 20;

export const ONNX_DTYPES: Record<number, string> = {
  1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING',
  9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64',
  15: 'COMPLEX128', 16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2',
  20: 'FLOAT8E5M2FNUZ', 21: 'UINT4', 22: 'INT4', 23: 'FLOAT4E2M1',
};

export async function readOnnx(src: RangeSource): Promise<FormatInfo> {
  const warnings: string[] = [];
  if (src.size < 2) throw new FormatError('file is too small to be ONNX');
  const c = new SourceCursor(src, 0, TOP_CHUNK, TOP_JUMP_CHUNK);
  const meta: Record<string, unknown> = {};
  const opset: { domain: string; version: number }[] = [];
  const props: Record<string, string> = {};
  let graph: { start: number; length: number } | undefined;
  let seen = 0;
  let fields = 0;

  while (c.pos < src.size) {
    if (++fields > 100_000) throw new FormatError('too many top-level fields: not an ONNX model');
    const h = await cursorField(c);
    if (h.field > 1000) throw new FormatError('unexpected field number: not an ONNX model');
    if (h.wire === 0) {
      if (h.field === 1) { meta.irVersion = h.num; seen++; }
      else if (h.field === 5) meta.modelVersion = h.num;
      continue;
    }
    if (h.wire !== 2) continue;
    if (h.field === 7) {
      graph = { start: c.pos, length: h.num };
      seen++;
      c.skip(h.num, 'graph');
      continue;
    }
    if (h.num > SMALL_FIELD || ![2, 3, 4, 6, 8, 14].includes(h.field)) {
      c.skip(h.num, `field ${h.field}`);
      continue;
    }
    const bytes = await c.readBytes(h.num, `field ${h.field}`);
    switch (h.field) {
      case 2: meta.producerName = clip(pbString(bytes), 200); break;
      case 3: meta.producerVersion = clip(pbString(bytes), 100); break;
      case 4: meta.domain = clip(pbString(bytes), 200); break;
      case 6: meta.docString = clip(pbString(bytes), 1000); break;
      case 8: {
        if (opset.length >= 100) break;
        let domain = '';
        let version = 0;
        for (const f of pbFields(bytes)) {
          if (f.field === 1 && f.wire === 2) domain = clip(pbString(f.bytes), 200);
          else if (f.field === 2 && f.wire === 0) version = f.num;
        }
        opset.push({ domain: domain || 'ai.onnx', version });
        break;
      }
      case 14: {
        if (Object.keys(props).length >= 200) break;
        let key = '';
        let value = '';
        for (const f of pbFields(bytes)) {
          if (f.field === 1 && f.wire === 2) key = clip(pbString(f.bytes), 200);
          else if (f.field === 2 && f.wire === 2) value = clip(pbString(f.bytes), 2000);
        }
        if (key) props[key] = value;
        break;
      }
    }
  }
  if (seen === 0) throw new FormatError('no ONNX model fields (ir_version, graph) found');

  const metadata: Record<string, unknown> = { ...meta };
  if (opset.length) {
    metadata.opsetImport = opset;
    const main = opset.find((o) => o.domain === 'ai.onnx' || o.domain === '');
    if (main) metadata.opset = main.version;
  }
  if (Object.keys(props).length) metadata.metadataProps = props;
  if (graph) {
    metadata.graphBytes = graph.length;
    try {
      Object.assign(metadata, await walkGraph(src, graph.start, graph.length, warnings));
    } catch (err) {
      pushWarning(warnings, `graph could not be walked (${err instanceof Error ? err.message : String(err)})`);
    }
  } else {
    pushWarning(warnings, 'model has no graph');
  }
  return { format: 'onnx', kind: 'model', metadata, warnings };
}

async function walkGraph(src: RangeSource, start: number, length: number, warnings: string[]): Promise<Record<string, unknown>> {
  const end = start + length;
  const c = new SourceCursor(src, start, GRAPH_CHUNK, GRAPH_JUMP_CHUNK);
  const ops: Record<string, number> = {};
  const dtypes: Record<string, number> = {};
  let nodes = 0;
  let initializers = 0;
  let parameters = 0;
  let external = false;
  let name: string | undefined;
  const inputs: string[] = [];
  const outputs: string[] = [];
  let complete = true;

  while (c.pos < end) {
    if (c.bytesRead > GRAPH_MAX_BYTES) {
      complete = false;
      pushWarning(warnings, 'graph is too large to walk cheaply; node and parameter counts are partial');
      break;
    }
    const h = await cursorField(c);
    if (h.wire !== 2) continue;
    if (c.pos + h.num > end) throw new FormatError('graph field runs past the graph');
    if (h.field === 5) {
      const t = await walkTensor(c, c.pos + h.num);
      initializers++;
      if (t.numel !== null) {
        parameters += t.numel;
        addTo(dtypes, ONNX_DTYPES[t.dataType] ?? `type${t.dataType}`, t.numel);
      }
      if (t.external) external = true;
      continue;
    }
    if (h.num > SMALL_FIELD) {
      c.skip(h.num, 'graph field');
      continue;
    }
    if (h.field === 1) {
      const bytes = await c.readBytes(h.num, 'node');
      nodes++;
      for (const f of pbFields(bytes)) {
        if (f.field === 4 && f.wire === 2) {
          const op = clip(pbString(f.bytes), 100);
          if (op in ops || Object.keys(ops).length < 200) addTo(ops, op, 1);
        }
      }
    } else if (h.field === 2) {
      name = clip(pbString(await c.readBytes(h.num, 'graph name')), 200);
    } else if (h.field === 11 || h.field === 12) {
      const bytes = await c.readBytes(h.num, 'value info');
      const list = h.field === 11 ? inputs : outputs;
      for (const f of pbFields(bytes)) {
        if (f.field === 1 && f.wire === 2 && list.length < 50) list.push(clip(pbString(f.bytes), 200));
      }
    } else {
      c.skip(h.num, 'graph field');
    }
  }
  const out: Record<string, unknown> = { nodes, initializers, ops, inputs, outputs };
  if (name !== undefined) out.graphName = name;
  if (complete) {
    out.parameters = parameters;
    out.dtypes = dtypes;
  }
  if (external) out.externalData = true;
  return out;
}

async function walkTensor(c: SourceCursor, end: number): Promise<{ numel: number | null; dataType: number; external: boolean }> {
  const dims: number[] = [];
  let dataType = 0;
  let external = false;
  while (c.pos < end) {
    const h = await cursorField(c);
    if (h.wire === 2 && c.pos + h.num > end) throw new FormatError('tensor field runs past the tensor');
    if (h.field === 1 && h.wire === 0) {
      if (dims.length < 64) dims.push(h.num);
    } else if (h.field === 1 && h.wire === 2) {
      const bytes = await c.readBytes(Math.min(h.num, 1024), 'dims');
      if (h.num > 1024) c.skip(h.num - 1024);
      dims.push(...decodePackedVarints(bytes, 64));
    } else if (h.field === 2 && h.wire === 0) {
      dataType = h.num;
    } else if (h.field === 14 && h.wire === 0) {
      if (h.num === 1) external = true;
    } else if (h.field === 13 && h.wire === 2) {
      external = true;
      c.skip(h.num, 'external data');
    } else if (h.wire === 2) {
      c.skip(h.num, 'tensor data');
    }
  }
  return { numel: product(dims), dataType, external };
}
