import { describe, expect, it } from 'vitest';
import { ByteWriter } from '../demo/binary';
import { Float, OrderedDict, PickleWriter, Tensor, pickle, torchSave } from '../demo/pickle-writer';
import { writeStoredZip } from '../demo/zip-writer';
import { readFormat } from './index';
import { PDict, countTensors, dictGet, isDangerousGlobal, scanPickle } from './pickle';
import { readPlainPickle, readPytorch } from './pytorch';
import { bufferRange } from './range-source';
import { cutPoints, enc } from './test-helpers';
import { readZipDirectory, readZipEntry } from './zip';

const stateDict = () => new OrderedDict([
  ['fc.weight', new Tensor('F32', [4, 3], new Array(12).fill(0.5))],
  ['fc.bias', new Tensor('F16', [4], [1, 2, 3, 4])],
  ['bn.num_batches_tracked', new Tensor('I64', [], [7])],
]);

/** A pickle that would call os.system('echo hi') if loaded — only ever scanned here. */
function evilPickle(module = 'os', name = 'system'): Uint8Array {
  const p = new PickleWriter().proto(2);
  p.global(module, name).str('echo hi').op(0x85).op(0x52);
  return p.stop();
}

describe('scanPickle', () => {
  it('rebuilds the structure of a torch state_dict without executing anything', () => {
    const scan = scanPickle(pickle(stateDict()));
    expect(scan.complete).toBe(true);
    expect(scan.protocol).toBe(2);
    expect(scan.tensorCalls).toBe(3);
    expect(scan.dangerous).toEqual([]);
    expect(scan.globals).toEqual(['collections.OrderedDict', 'torch._utils._rebuild_tensor_v2', 'torch.FloatStorage', 'torch.HalfStorage', 'torch.LongStorage']);
    expect(scan.root).toBeInstanceOf(PDict);
    const c = countTensors(scan.root ?? null);
    expect(c).toEqual({ tensors: 3, parameters: 17, dtypes: { F32: 12, F16: 4, I64: 1 }, exact: true });
  });

  it('reads scalars, memo and STACK_GLOBAL (protocol 4)', () => {
    // {'a': 1.5, 'b': [big int, True], 'c': memo-get of 'a' value}, module via STACK_GLOBAL
    const w = new ByteWriter().u8(0x80).u8(4).u8(0x7d).u8(0x94).u8(0x28)
      .u8(0x8c).u8(1).utf8('a').u8(0x47).bytes(new Uint8Array(new Float64Array([1.5]).buffer).reverse()).u8(0x94)
      .u8(0x8c).u8(1).utf8('b').u8(0x5d).u8(0x28).u8(0x8a).u8(8).u64(2n ** 40n).u8(0x88).u8(0x65)
      .u8(0x8c).u8(1).utf8('c').u8(0x68).u8(1)
      .u8(0x8c).u8(1).utf8('g').u8(0x8c).u8(11).utf8('collections').u8(0x8c).u8(7).utf8('Counter').u8(0x93)
      .u8(0x75).u8(0x2e);
    const scan = scanPickle(w.toBytes());
    expect(scan.complete).toBe(true);
    expect(dictGet(scan.root ?? null, 'a')).toBe(1.5);
    expect(dictGet(scan.root ?? null, 'c')).toBe(1.5);
    expect(scan.globals).toEqual(['collections.Counter']);
  });

  it('flags dangerous globals', () => {
    for (const [m, n] of [['os', 'system'], ['posix', 'system'], ['nt', 'system'], ['subprocess', 'Popen'], ['builtins', 'eval'], ['builtins', 'exec'], ['__builtin__', 'getattr'], ['builtins', '__import__'], ['runpy', '_run_code'], ['sys', 'modules'], ['shutil', 'rmtree'], ['socket', 'socket'], ['webbrowser', 'open'], ['pty', 'spawn'], ['os.path', 'join']]) {
      expect(isDangerousGlobal(m as string, n as string), `${m}.${n}`).toBe(true);
      const scan = scanPickle(evilPickle(m, n));
      expect(scan.dangerous).toEqual([`${m}.${n}`]);
    }
    for (const [m, n] of [['torch', 'FloatStorage'], ['collections', 'OrderedDict'], ['builtins', 'set'], ['numpy.core.multiarray', '_reconstruct'], ['ossify', 'x']]) {
      expect(isDangerousGlobal(m as string, n as string), `${m}.${n}`).toBe(false);
    }
  });

  it('stops safely on malformed and hostile pickles', () => {
    const cases: [Uint8Array, RegExp][] = [
      [Uint8Array.of(0x80, 0x02, 0xff), /unknown opcode/],
      [Uint8Array.of(0x80, 0x02, 0x30), /underflow/],
      [Uint8Array.of(0x80, 0x02, 0x58, 0xff, 0xff, 0xff, 0x7f), /truncated/],
      [Uint8Array.of(0x80, 0x04, 0x8d, ...new Array(8).fill(0xff)), /declared length/],
      [Uint8Array.of(0x80, 0x02, 0x68, 0x05), /memo key/],
      [Uint8Array.of(0x80, 0x02, 0x74), /mark/],
      [Uint8Array.of(0x80, 0x02, 0x63, 0x6f, 0x73), /unterminated/],
      [Uint8Array.of(0x80, 0x02, 0x4e, 0x4e, 0x93), /not strings/],
      [Uint8Array.of(0x80, 0x02, 0x8b, 0xff, 0xff, 0xff, 0xff), /negative/],
    ];
    for (const [bytes, re] of cases) {
      const scan = scanPickle(bytes);
      expect(scan.complete).toBe(false);
      expect(scan.stopped?.by).toBe('error');
      expect(scan.stopped?.reason).toMatch(re);
    }
    // DUP bomb is capped by the stack limit
    const bomb = new Uint8Array(2 + 3_000_00).fill(0x32);
    bomb[0] = 0x80;
    bomb[1] = 0x02;
    bomb[2] = 0x4e;
    const scan = scanPickle(bomb, 0, { maxStack: 1000 });
    expect(scan.stopped).toMatchObject({ by: 'limit' });
    // opcode limit
    expect(scanPickle(bomb, 0, { maxOpcodes: 10 }).stopped?.reason).toMatch(/opcode limit/);
  });

  it('sees a dangerous global hidden after benign data', () => {
    const p = new PickleWriter().proto(2);
    p.value({ a: 1, b: 'x' });
    p.op(0x30); // POP
    p.global('subprocess', 'check_output').op(0x28).str('id').op(0x74).op(0x52);
    const scan = scanPickle(p.stop());
    expect(scan.dangerous).toEqual(['subprocess.check_output']);
  });
});

describe('readPytorch', () => {
  it('reads a torch.save zip: storages, tensors, parameters, safety', async () => {
    const bytes = torchSave('archive', stateDict());
    const info = await readPytorch(bufferRange(bytes));
    expect(info.warnings).toEqual([]);
    expect(info.metadata).toMatchObject({
      container: 'zip', archiveName: 'archive', storages: 3, storageBytes: 12 * 4 + 4 * 2 + 8, formatVersion: '3', byteorder: 'little',
      tensors: 3, parameters: 17, dtypes: { F32: 12, F16: 4, I64: 1 },
      safety: { verdict: 'safe', dangerous: [], complete: true },
    });
  });

  it('reads a Lightning checkpoint: epoch, global_step, hyperparameters, state_dict only', async () => {
    const bytes = torchSave('epoch=3-step=40', {
      epoch: 3, global_step: 40, 'pytorch-lightning_version': '2.4.0', state_dict: stateDict(),
      optimizer_states: [{ state: { 0: { exp_avg: new Tensor('F32', [4, 3], new Array(12).fill(0)) } } }],
      hyper_parameters: { lr: new Float(0.001), layers: 2 },
    });
    const info = await readPytorch(bufferRange(bytes));
    expect(info.metadata).toMatchObject({ checkpointKind: 'lightning', epoch: 3, globalStep: 40, lightningVersion: '2.4.0', hyperParameters: { lr: 0.001, layers: 2 }, weightsKey: 'state_dict', tensors: 3, parameters: 17 });
  });

  it('flags a dangerous checkpoint', async () => {
    const bytes = writeStoredZip([{ name: 'archive/data.pkl', data: evilPickle() }, { name: 'archive/version', data: enc('3\n') }]);
    const info = await readFormat('evil.pt', bufferRange(bytes));
    expect(info?.metadata.safety).toMatchObject({ verdict: 'dangerous', dangerous: ['os.system'] });
    expect(info?.warnings[0]).toMatch(/dangerous globals: os\.system/);
  });

  it('reads legacy (non-zip) torch files', async () => {
    const legacy = new ByteWriter().bytes(Uint8Array.of(0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e))
      .bytes(pickle(1001)).bytes(pickle({ protocol_version: 1001, little_endian: true })).bytes(pickle(stateDict())).bytes(pickle(['0', '1', '2'])).toBytes();
    const info = await readPytorch(bufferRange(legacy));
    expect(info.metadata).toMatchObject({ container: 'legacy', formatVersion: '1001', tensors: 3, safety: { verdict: 'safe' } });
  });

  it('survives truncation at every cut point and garbage', async () => {
    const bytes = torchSave('archive', stateDict());
    for (const cut of cutPoints(bytes.length)) {
      const info = await readFormat('m.pt', bufferRange(bytes.subarray(0, cut)));
      expect(info?.format).toBe('pytorch');
      expect(info?.warnings.length).toBeGreaterThan(0);
    }
    const info = await readFormat('m.bin', bufferRange(enc('random binary data here')));
    expect(info).toMatchObject({ format: 'unknown', kind: 'other' });
    expect(info?.warnings[0]).toMatch(/neither/);
  });

  it('refuses data.pkl above the cap and deflate bombs', async () => {
    const big = new Uint8Array(100);
    const zip = writeStoredZip([{ name: 'a/data.pkl', data: big }]);
    // patch the central directory's uncompressed size to 1 GB
    const dir = await readZipDirectory(bufferRange(zip));
    const entry = { ...(dir.entries[0] as NonNullable<(typeof dir.entries)[0]>), size: 1 << 30, method: 8 };
    await expect(readZipEntry(bufferRange(zip), entry, 64 * 1024 * 1024)).rejects.toThrow(/limit/);
    const { deflateRawSync } = await import('node:zlib');
    const bomb = new Uint8Array(deflateRawSync(new Uint8Array(10 * 1024 * 1024)));
    const bz = writeStoredZip([{ name: 'a/data.pkl', data: bomb }]);
    const d2 = await readZipDirectory(bufferRange(bz));
    const e2 = { ...(d2.entries[0] as NonNullable<(typeof d2.entries)[0]>), method: 8, size: 1000 };
    await expect(readZipEntry(bufferRange(bz), e2, 100_000)).rejects.toThrow(/inflated/);
  });

  it('reads plain pickles and sniffs compressed joblib files', async () => {
    const info = await readPlainPickle(bufferRange(pickle({ a: 1 })));
    expect(info.metadata).toMatchObject({ safety: { verdict: 'safe' } });
    const z = await readFormat('model.joblib', bufferRange(Uint8Array.of(0x78, 0x9c, 1, 2, 3, 4, 5, 6)));
    expect(z?.metadata).toMatchObject({ compression: 'zlib', safety: { verdict: 'unknown' } });
    const evil = await readFormat('x.pkl', bufferRange(evilPickle('builtins', 'exec')));
    expect(evil?.metadata.safety).toMatchObject({ verdict: 'dangerous', dangerous: ['builtins.exec'] });
  });
});

describe('readZipDirectory', () => {
  it('rejects hostile end records', async () => {
    const zip = writeStoredZip([{ name: 'a', data: enc('hello') }]);
    const eocd = zip.length - 22;
    const bad = zip.slice();
    new DataView(bad.buffer).setUint32(eocd + 16, 0xfffffff0, true);
    await expect(readZipDirectory(bufferRange(bad))).rejects.toThrow();
    const bad2 = zip.slice();
    new DataView(bad2.buffer).setUint16(eocd + 10, 60000, true);
    await expect(readZipDirectory(bufferRange(bad2))).rejects.toThrow(/entry count/);
    await expect(readZipDirectory(bufferRange(enc('PK not really a zip file at all....')))).rejects.toThrow(/end-of-central-directory/);
    const ok = await readZipDirectory(bufferRange(zip));
    expect(ok.entries.map((e) => e.name)).toEqual(['a']);
    expect(new TextDecoder().decode(await readZipEntry(bufferRange(zip), ok.entries[0] as NonNullable<(typeof ok.entries)[0]>, 100))).toBe('hello');
  });
});
