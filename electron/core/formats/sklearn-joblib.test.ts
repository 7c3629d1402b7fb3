import { deflateSync, gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { Float, PickleWriter, PyObject, pickle } from '../demo/pickle-writer';
import { readFormat } from './index';
import { scanPickle } from './pickle';
import { readPlainPickle } from './pytorch';
import { bufferRange } from './range-source';

const MARK = 0x28;
const EMPTY_TUPLE = 0x29;
const NEWOBJ = 0x81;
const EMPTY_DICT = 0x7d;
const SETITEMS = 0x75;
const BUILD = 0x62;
const REDUCE = 0x52;
const TUPLE1 = 0x85;
const TUPLE2 = 0x86;
const TUPLE3 = 0x87;
const NEWFALSE = 0x89;
const NEWTRUE = 0x88;

/** Writes a NumpyArrayWrapper as joblib does, followed by the array's raw bytes (or a nested pickle). */
function wrapper(p: PickleWriter, dtype: string, shape: number[], raw: Uint8Array, align: boolean): void {
  p.global('joblib.numpy_pickle', 'NumpyArrayWrapper').op(EMPTY_TUPLE).op(NEWOBJ).op(EMPTY_DICT).op(MARK);
  p.str('subclass').global('numpy', 'ndarray');
  p.str('shape');
  for (const d of shape) p.int(d);
  p.op(shape.length === 1 ? TUPLE1 : TUPLE2);
  p.str('order').str('C');
  p.str('dtype').global('numpy', 'dtype').str(dtype).op(NEWFALSE).op(NEWTRUE).op(TUPLE3).op(REDUCE);
  p.op(MARK).int(3).str('<').op(0x4e).op(0x4e).op(0x4e).int(-1).int(-1).int(0).op(0x74).op(BUILD);
  p.str('allow_mmap').op(NEWFALSE);
  if (align) p.str('numpy_array_alignment_bytes').int(16);
  p.op(SETITEMS).op(BUILD);
  if (align) p.w.u8(7).bytes(new Uint8Array(7).fill(0xff));
  p.w.bytes(raw);
}

function joblibFile(opts: { evilAfterArray?: boolean; objectArray?: boolean; align?: boolean } = {}): Uint8Array {
  const p = new PickleWriter().proto(2);
  p.global('sklearn.linear_model._logistic', 'LogisticRegression').op(EMPTY_TUPLE).op(NEWOBJ).op(EMPTY_DICT).op(MARK);
  p.str('C').float(1.0);
  // coef_: 1×4 float64 — bytes that would be garbage opcodes if read as pickle (0x80 0x02 … 0x2e)
  const raw = new Uint8Array(32);
  raw.set([0xff, 0x63, 0x6f, 0x73, 0x0a], 0);
  p.str('coef_');
  wrapper(p, 'f8', [1, 4], raw, opts.align ?? true);
  if (opts.objectArray) {
    const nested = new PickleWriter().proto(2);
    nested.global('builtins', 'eval').str('1+1').op(TUPLE1).op(REDUCE);
    p.str('classes_');
    wrapper(p, 'O8', [2], nested.stop(), false);
  }
  if (opts.evilAfterArray) p.str('hook').global('os', 'system').str('echo pwned').op(TUPLE1).op(REDUCE);
  p.str('_sklearn_version').str('1.5.2');
  p.op(SETITEMS).op(BUILD);
  return p.stop();
}

describe('sklearn and joblib pickles', () => {
  it('names the estimator class and library of a plain sklearn pickle', async () => {
    const bytes = pickle(new PyObject('sklearn.ensemble._gb', 'GradientBoostingClassifier', { n_estimators: 100, learning_rate: new Float(0.1) }));
    const info = await readPlainPickle(bufferRange(bytes));
    expect(info).toMatchObject({ format: 'pickle', kind: 'model', warnings: [] });
    expect(info.metadata).toMatchObject({ rootClass: 'sklearn.ensemble._gb.GradientBoostingClassifier', library: 'scikit-learn', safety: { verdict: 'safe' } });
  });

  it('jumps over joblib array bytes as joblib reads them, so what follows is still scanned', async () => {
    const clean = scanPickle(joblibFile());
    expect(clean.complete).toBe(true);
    expect(clean.dangerous).toEqual([]);
    const evil = await readFormat('model.joblib', bufferRange(joblibFile({ evilAfterArray: true })));
    expect(evil?.metadata).toMatchObject({ rootClass: 'sklearn.linear_model._logistic.LogisticRegression', library: 'scikit-learn', joblib: true, safety: { verdict: 'dangerous', dangerous: ['os.system'], complete: true } });
    // without alignment padding (joblib < 1.2)
    expect(scanPickle(joblibFile({ align: false, evilAfterArray: true })).dangerous).toEqual(['os.system']);
  });

  it('scans object arrays (a nested pickle) too', async () => {
    const scan = scanPickle(joblibFile({ objectArray: true }));
    expect(scan.complete).toBe(true);
    expect(scan.dangerous).toEqual(['builtins.eval']);
  });

  it('inflates zlib- and gzip-compressed joblib files (a bounded prefix) to find the class', async () => {
    const raw = joblibFile({ evilAfterArray: true });
    const z = await readFormat('model.joblib', bufferRange(new Uint8Array(deflateSync(raw))));
    expect(z?.metadata).toMatchObject({ compression: 'zlib', rootClass: 'sklearn.linear_model._logistic.LogisticRegression', safety: { verdict: 'dangerous' } });
    const g = await readFormat('model.pkl', bufferRange(new Uint8Array(gzipSync(raw))));
    expect(g?.metadata).toMatchObject({ compression: 'gzip', library: 'scikit-learn' });
    // a truncated compressed file: the class is still found; loading would fail where the scan stopped
    const full = new Uint8Array(deflateSync(raw));
    const cut = full.subarray(0, Math.floor(full.length * 0.7));
    const t = await readFormat('model.joblib', bufferRange(cut));
    expect(t?.metadata).toMatchObject({ firstGlobal: 'sklearn.linear_model._logistic.LogisticRegression', library: 'scikit-learn', safety: { complete: false } });
    expect(t?.warnings).toEqual(expect.arrayContaining(['the zlib stream is truncated']));
  });

  it('names other compressions without inspecting them', async () => {
    const xz = await readFormat('m.joblib', bufferRange(Uint8Array.of(0xfd, 0x37, 0x7a, 0x58, 0x5a, 0, 0, 0, 1, 2)));
    expect(xz).toMatchObject({ metadata: { compression: 'xz', safety: { verdict: 'unknown' } }, warnings: ['xz-compressed pickle: contents not inspected'] });
    const lz4 = await readFormat('m.joblib', bufferRange(Uint8Array.of(0x04, 0x22, 0x4d, 0x18, 0, 0, 0, 0)));
    expect(lz4?.metadata.compression).toBe('lz4');
  });

  it('stops on a joblib array with an unknown dtype instead of guessing', () => {
    const p = new PickleWriter().proto(2);
    p.global('joblib.numpy_pickle', 'NumpyArrayWrapper').op(EMPTY_TUPLE).op(NEWOBJ).op(EMPTY_DICT).op(MARK).str('shape').int(2).op(TUPLE1).op(SETITEMS).op(BUILD);
    const scan = scanPickle(p.stop());
    expect(scan.complete).toBe(false);
    expect(scan.stopped).toMatchObject({ by: 'limit', reason: 'joblib array with an unknown dtype' });
  });
});
