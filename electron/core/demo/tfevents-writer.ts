// Writes TensorBoard event files as the real writers do: TFRecord framing with masked CRC-32C, the
// "brain.Event:2" header event, scalars as simple_value (PyTorch SummaryWriter) or as rank-0 tensors
// marked with the "scalars" plugin on the first value only (TF2 tf.summary), and hparams summaries.
import { maskedCrc32c } from '../runs/crc32c';
import { ByteWriter } from './binary';
import { Pb } from './model-writers';

export function tfRecord(data: Uint8Array): Uint8Array {
  const len = new ByteWriter().u64(data.length).toBytes();
  return new ByteWriter().bytes(len).u32(maskedCrc32c(len)).bytes(data).u32(maskedCrc32c(data)).toBytes();
}

export function eventRecord(wallTime: number, step: number, summary?: Pb, fileVersion?: string): Uint8Array {
  const e = new Pb().double(1, wallTime);
  if (step !== 0) e.varint(2, step);
  if (fileVersion) e.string(3, fileVersion);
  if (summary) e.message(5, summary);
  return tfRecord(e.toBytes());
}

export type ScalarStyle = 'simple' | 'float_val' | 'double_val' | 'tensor_content';

export interface ScalarPoint {
  tag: string;
  step: number;
  /** seconds since the epoch, as TensorBoard stores it */
  wallTime: number;
  value: number;
}

const pluginMeta = (name: string, content?: Uint8Array) => {
  const pd = new Pb().string(1, name);
  if (content) pd.bytes(2, content);
  return new Pb().message(1, pd);
};

/** A Summary holding one scalar in the given style; `first` marks the TF2 plugin metadata. */
export function scalarSummary(tag: string, value: number, style: ScalarStyle, first: boolean): Pb {
  const v = new Pb().string(1, tag);
  if (style === 'simple') {
    v.float(2, value);
  } else {
    const t = new Pb().varint(1, style === 'double_val' ? 2 : 1).message(2, new Pb());
    if (style === 'float_val') t.float(5, value);
    else if (style === 'double_val') t.double(6, value);
    else t.bytes(4, new ByteWriter().f32(value).toBytes());
    v.message(8, t);
    if (first) v.message(9, pluginMeta('scalars'));
  }
  return new Pb().message(1, v);
}

/** `_hparams_/session_start_info` as the hparams plugin writes it (HParamsPluginData.session_start_info). */
export function hparamsSummary(hparams: Record<string, number | string | boolean>, startTimeSecs: number): Pb {
  const start = new Pb();
  for (const [k, val] of Object.entries(hparams)) {
    const value = new Pb();
    if (typeof val === 'number') value.double(2, val);
    else if (typeof val === 'string') value.string(3, val);
    else value.varint(4, val ? 1 : 0);
    start.message(1, new Pb().string(1, k).message(2, value));
  }
  start.double(5, startTimeSecs);
  const content = new Pb().varint(1, 0).message(3, start).toBytes();
  const v = new Pb().string(1, '_hparams_/session_start_info').message(9, pluginMeta('hparams', content));
  return new Pb().message(1, v);
}

/** A whole event file: header event, then one event per point (TF2 style marks each tag's first value). */
export function writeEventFile(points: ScalarPoint[], style: ScalarStyle, extra: { hparams?: Record<string, number | string | boolean> } = {}): Uint8Array {
  const w = new ByteWriter();
  const t0 = points[0]?.wallTime ?? 0;
  w.bytes(eventRecord(t0, 0, undefined, 'brain.Event:2'));
  if (extra.hparams) w.bytes(eventRecord(t0, 0, hparamsSummary(extra.hparams, t0)));
  const seen = new Set<string>();
  for (const p of points) {
    w.bytes(eventRecord(p.wallTime, p.step, scalarSummary(p.tag, p.value, style, !seen.has(p.tag))));
    seen.add(p.tag);
  }
  return w.toBytes();
}
