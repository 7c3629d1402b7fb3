import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../demo/binary';
import { Pb } from '../demo/model-writers';
import { type ScalarPoint, eventRecord, scalarSummary, tfRecord, writeEventFile } from '../demo/tfevents-writer';
import { pbFields } from '../formats/protobuf';
import { crc32c, maskedCrc32c } from './crc32c';
import { PbCursor } from './pb-cursor';
import { readRun } from './index';
import { memoryReader } from './test-helpers';
import type { DetectedRun } from './types';

const T0 = 1_780_000_000; // seconds
const points = (n: number, tags = ['loss', 'accuracy']): ScalarPoint[] => {
  const out: ScalarPoint[] = [];
  for (let s = 0; s < n; s++) for (const tag of tags) out.push({ tag, step: s, wallTime: T0 + s * 2.5, value: tag === 'loss' ? 1 / (s + 1) : s / n });
  return out;
};
const tbRun = (files: string[]): DetectedRun => ({ format: 'tensorboard', path: 'logs/run1', files });
const F = 'logs/run1/events.out.tfevents.1780000000.host.1.0';

describe('crc32c', () => {
  it('matches the Castagnoli check value and TensorFlow masking', () => {
    expect(crc32c(new TextEncoder().encode('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    const c = crc32c(new Uint8Array(8));
    expect(maskedCrc32c(new Uint8Array(8))).toBe(((((c >>> 15) | (c << 17)) >>> 0) + 0xa282ead8) >>> 0);
  });

  it('computes 8 bytes at a time exactly as the byte-at-a-time definition, for any length and offset', () => {
    const byteWise = (b: Uint8Array, start: number, end: number) => {
      let crc = 0xffffffff;
      for (let i = start; i < end; i++) {
        crc ^= b[i] as number;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
      }
      return (crc ^ 0xffffffff) >>> 0;
    };
    const buf = new Uint8Array(300);
    let seed = 7;
    for (let i = 0; i < buf.length; i++) {
      seed = (seed * 1103515245 + 12345) >>> 0;
      buf[i] = seed >>> 24;
    }
    for (const start of [0, 1, 3, 7, 8, 13]) {
      for (let len = 0; len <= 40; len++) expect(crc32c(buf, start, start + len)).toBe(byteWise(buf, start, start + len));
      expect(crc32c(buf, start, 300)).toBe(byteWise(buf, start, 300));
    }
  });
});

describe('PbCursor', () => {
  it('walks the same fields as pbFields, and rejects the same malformed messages', () => {
    const inner = new Pb().string(1, 'train/loss').float(2, 0.5);
    const msg = new Pb().double(1, 1.78e9).varint(2, 2 ** 40).message(5, inner).varint(3, 0).toBytes();
    const seen: Array<[number, number, number]> = [];
    const c = new PbCursor(msg);
    while (c.next()) seen.push([c.field, c.wire, c.wire === 1 ? c.f64() : c.wire === 0 || c.wire === 2 ? c.num : c.f32()]);
    expect(seen).toEqual(
      [...pbFields(msg)].map((f) => [f.field, f.wire, f.wire === 1 ? new DataView(f.bytes.buffer, f.bytes.byteOffset).getFloat64(0, true) : f.num]),
    );
    expect(seen[1]).toEqual([2, 0, 2 ** 40]);
    const sub = new PbCursor(msg);
    while (sub.next() && sub.field !== 5);
    const v = sub.sub();
    expect(v.next() && new TextDecoder().decode(v.bytes())).toBe('train/loss');
    expect(v.next() && v.f32()).toBe(0.5);
    expect(v.next()).toBe(false);
    for (const bad of [Uint8Array.of(0x0a, 0x05, 1), Uint8Array.of(0x08), Uint8Array.of(0x0b), Uint8Array.of(0x00, 0x00), Uint8Array.of(0x09, 1, 2)]) {
      expect(() => {
        const k = new PbCursor(bad);
        while (k.next());
      }).toThrow();
      expect(() => [...pbFields(bad)]).toThrow();
    }
  });
});

describe('readRun tensorboard', () => {
  it('reads PyTorch-style simple_value scalars with steps and wall times', async () => {
    const src = memoryReader({ [F]: writeEventFile(points(100), 'simple') });
    const run = await readRun(src, tbRun([F]));
    expect(run.warnings).toEqual([]);
    expect(run.name).toBe('run1');
    expect(Object.keys(run.metrics).sort()).toEqual(['accuracy', 'loss']);
    expect(run.metrics.loss).toHaveLength(100);
    expect(run.metrics.loss?.[3]).toEqual({ step: 3, wallMs: (T0 + 7.5) * 1000, value: Math.fround(0.25) });
    expect(run.startedMs).toBe(T0 * 1000);
    expect(run.endedMs).toBe((T0 + 99 * 2.5) * 1000);
  });

  it('reads TF2 rank-0 tensors: plugin marked on the first value only; float_val, double_val, tensor_content', async () => {
    const w = new ByteWriter().bytes(eventRecord(T0, 0, undefined, 'brain.Event:2'));
    for (let s = 0; s < 10; s++) {
      w.bytes(eventRecord(T0 + s, s, scalarSummary('epoch_loss', 2 - s / 10, 'float_val', s === 0)));
      w.bytes(eventRecord(T0 + s, s, scalarSummary('epoch_lr', 0.001 * (s + 1), 'double_val', s === 0)));
      w.bytes(eventRecord(T0 + s, s, scalarSummary('epoch_acc', s / 10, 'tensor_content', s === 0)));
    }
    // a histogram-plugin tensor (not a scalar) and a text summary are left alone
    const histo = new Pb().string(1, 'weights').message(8, new Pb().varint(1, 1).message(2, new Pb()).float(5, 1)).message(9, new Pb().message(1, new Pb().string(1, 'histograms')));
    w.bytes(eventRecord(T0 + 20, 20, new Pb().message(1, histo)));
    w.bytes(eventRecord(T0 + 21, 21, new Pb().message(1, new Pb().string(1, 'weights').message(8, new Pb().varint(1, 1).message(2, new Pb()).float(5, 2)))));
    const textTensor = new Pb().string(1, 'notes').message(8, new Pb().varint(1, 7).message(2, new Pb()).string(8, 'hello')).message(9, new Pb().message(1, new Pb().string(1, 'text')));
    w.bytes(eventRecord(T0 + 22, 22, new Pb().message(1, textTensor)));
    const src = memoryReader({ [F]: w.toBytes() });
    const run = await readRun(src, tbRun([F]));
    expect(run.warnings).toEqual([]);
    expect(Object.keys(run.metrics).sort()).toEqual(['epoch_acc', 'epoch_loss', 'epoch_lr']);
    expect(run.metrics.epoch_loss?.map((p) => p.value)).toEqual(Array.from({ length: 10 }, (_, s) => Math.fround(2 - s / 10)));
    expect(run.metrics.epoch_lr?.[9]?.value).toBe(0.001 * 10);
    expect(run.metrics.epoch_acc?.[5]).toMatchObject({ step: 5, value: Math.fround(0.5) });
  });

  it('reads hparams from _hparams_/session_start_info', async () => {
    const bytes = writeEventFile(points(3), 'simple', { hparams: { lr: 0.001, optimizer: 'adam', amp: true } });
    const run = await readRun(memoryReader({ [F]: bytes }), tbRun([F]));
    expect(run.params).toEqual({ lr: '0.001', optimizer: 'adam', amp: 'true' });
    expect(run.metrics.loss).toHaveLength(3);
  });

  it('merges several files of one folder and sorts by step', async () => {
    const a = writeEventFile(points(5, ['loss']).slice(0, 3), 'simple');
    const b = writeEventFile(points(5, ['loss']).slice(3), 'simple');
    const G = 'logs/run1/events.out.tfevents.1780000100.host.2.0';
    const run = await readRun(memoryReader({ [F]: a, [G]: b }), tbRun([G, F]));
    expect(run.metrics.loss?.map((p) => p.step)).toEqual([0, 1, 2, 3, 4]);
  });

  it('stops quietly at a short or CRC-bad last record (a writer still appending)', async () => {
    const full = writeEventFile(points(20, ['loss']), 'simple');
    const last = eventRecord(T0 + 100, 20, scalarSummary('loss', 0.01, 'simple', false));
    const whole = new ByteWriter().bytes(full).bytes(last).toBytes();
    for (let cut = full.length + 1; cut < whole.length; cut++) {
      const run = await readRun(memoryReader({ [F]: whole.subarray(0, cut) }), tbRun([F]));
      expect(run.warnings, `cut ${cut}`).toEqual([]);
      expect(run.metrics.loss, `cut ${cut}`).toHaveLength(20);
    }
    const badLast = whole.slice();
    badLast[badLast.length - 1] ^= 0xff;
    const r1 = await readRun(memoryReader({ [F]: badLast }), tbRun([F]));
    expect(r1.warnings).toEqual([]);
    expect(r1.metrics.loss).toHaveLength(20);
    // an unflushed, zero-filled tail is also a writer in progress
    const zeros = new ByteWriter().bytes(full).zeros(64).toBytes();
    const r2 = await readRun(memoryReader({ [F]: zeros }), tbRun([F]));
    expect(r2.warnings).toEqual([]);
    expect(r2.metrics.loss).toHaveLength(20);
  });

  it('warns and stops at a CRC-bad record in the middle', async () => {
    const good = writeEventFile(points(10, ['loss']), 'simple');
    const bad = eventRecord(T0 + 50, 10, scalarSummary('loss', 0.5, 'simple', false)).slice();
    bad[14] ^= 0x01; // inside the data: data CRC fails
    const after = writeEventFile(points(3, ['loss']), 'simple');
    const src = memoryReader({ [F]: new ByteWriter().bytes(good).bytes(bad).bytes(after).toBytes() });
    const run = await readRun(src, tbRun([F]));
    expect(run.metrics.loss).toHaveLength(10);
    expect(run.warnings).toEqual([expect.stringMatching(/fails its checksum; the rest of the file was not read/)]);
    const badHeader = eventRecord(T0, 1, scalarSummary('loss', 1, 'simple', false)).slice();
    badHeader[3] ^= 0x10; // length bytes: header CRC fails
    const r2 = await readRun(memoryReader({ [F]: new ByteWriter().bytes(good).bytes(badHeader).bytes(after).toBytes() }), tbRun([F]));
    expect(r2.metrics.loss).toHaveLength(10);
    expect(r2.warnings).toEqual([expect.stringMatching(/corrupt record header/)]);
  });

  it('refuses a huge declared length with a valid header CRC without reading it', async () => {
    const good = writeEventFile(points(5, ['loss']), 'simple');
    const len = new ByteWriter().u64(2n ** 50n).toBytes();
    const hostile = new ByteWriter().bytes(good).bytes(len).u32(maskedCrc32c(len)).zeros(100).toBytes();
    const src = memoryReader({ [F]: hostile });
    const run = await readRun(src, tbRun([F]));
    expect(run.metrics.loss).toHaveLength(5);
    expect(run.warnings).toEqual([expect.stringMatching(/declares \d+ bytes/)]);
    expect(src.bytesRead).toBeLessThanOrEqual(hostile.length + 1);
  });

  it('jumps over big records (images, graphs) without reading them', async () => {
    const big = new Uint8Array(8 * 1024 * 1024).fill(7);
    const imageEvent = tfRecord(new Pb().double(1, T0).varint(2, 1).bytes(4, big).toBytes());
    const bytes = new ByteWriter().bytes(writeEventFile(points(3, ['loss']), 'simple')).bytes(imageEvent).bytes(eventRecord(T0 + 9, 9, scalarSummary('loss', 0.1, 'simple', false))).toBytes();
    const src = memoryReader({ [F]: bytes });
    const run = await readRun(src, tbRun([F]));
    expect(run.warnings).toEqual([]);
    expect(run.metrics.loss?.map((p) => p.step)).toEqual([0, 1, 2, 9]);
    expect(src.bytesRead).toBeLessThan(1024 * 1024 + 4096);
    console.log(`tensorboard: file ${bytes.length} B with an 8 MiB record, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('leaves out NaN and Inf values with a warning', async () => {
    const pts: ScalarPoint[] = [0, Number.NaN, 2, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 5].map((v, s) => ({ tag: 'loss', step: s, wallTime: T0 + s, value: v }));
    const run = await readRun(memoryReader({ [F]: writeEventFile(pts, 'simple') }), tbRun([F]));
    expect(run.metrics.loss?.map((p) => p.step)).toEqual([0, 2, 5]);
    expect(run.warnings).toEqual(['loss: 3 non-finite values (NaN or Inf) left out']);
  });

  it('stays within the byte cap on a large file', async () => {
    const bytes = writeEventFile(points(20_000), 'simple');
    expect(bytes.length).toBeGreaterThan(1024 * 1024);
    const src = memoryReader({ [F]: bytes });
    const run = await readRun(src, tbRun([F]), { byteCap: 256 * 1024 });
    expect(src.bytesRead).toBeLessThanOrEqual(256 * 1024);
    expect(run.metrics.loss?.length).toBeGreaterThan(1000);
    expect(run.metrics.loss?.length).toBeLessThan(20_000);
    expect(run.warnings.join(' ')).toMatch(/read limit/);
    console.log(`tensorboard: file ${bytes.length} B under a 256 KiB cap, read ${src.bytesRead} B in ${src.reads} reads`);
  });

  it('never throws for garbage, and propagates a failing source unchanged', async () => {
    for (const junk of [new Uint8Array(0), new Uint8Array(5), new Uint8Array(100).fill(0xff), new TextEncoder().encode('not an event file at all, just text\n'.repeat(10))]) {
      const run = await readRun(memoryReader({ [F]: junk }), tbRun([F]));
      expect(run.metrics).toEqual({});
    }
    const boom = Object.assign(new Error('share went away'), { code: 'UNREACHABLE' });
    const failing = { list: async () => [], read: async () => { throw boom; } };
    await expect(readRun(failing, tbRun([F]))).rejects.toBe(boom);
  });
});
