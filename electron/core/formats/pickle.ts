// Static pickle disassembly. NOTHING HERE EXECUTES THE PICKLE: opcodes are interpreted over a
// symbolic stack whose values are plain descriptions (globals are names, REDUCE builds a record).
// We collect every global the pickle would import, flag dangerous ones, and recognise PyTorch's
// tensor-rebuild calls to count tensors and parameters.
import { addTo, clip, decodeUtf8, product, view } from './bytes';

export class PGlobal {
  constructor(readonly module: string, readonly name: string) {}
  get full(): string {
    return `${this.module}.${this.name}`;
  }
}
export class PTuple {
  constructor(readonly items: PV[]) {}
}
export class PList {
  items: PV[] = [];
}
export class PDict {
  entries: [PV, PV][] = [];
}
export class PObj {
  entries: [PV, PV][] = [];
  items: PV[] = [];
  state: PV = null;
  constructor(readonly callable: PV, readonly args: PV) {}
}
export class PPid {
  constructor(readonly value: PV) {}
}
export class PTensor {
  constructor(readonly dtype: string, readonly shape: number[], readonly numel: number | null) {}
}
export class PBytes {
  constructor(readonly length: number) {}
}
export type PV = null | boolean | number | bigint | string | PGlobal | PTuple | PList | PDict | PObj | PPid | PTensor | PBytes;

export interface PickleScan {
  protocol: number;
  /** unique globals, "module.name", in order of first appearance (capped at 500) */
  globals: string[];
  dangerous: string[];
  /** true when STOP was reached */
  complete: boolean;
  /** why the scan ended early: 'limit' (our cap — Python would read on) or 'error' (Python would fail there too) */
  stopped?: { by: 'limit' | 'error'; reason: string; offset: number };
  root: PV | undefined;
  tensorCalls: number;
  opcodes: number;
  /** offset just after STOP (start of the next pickle in a stream) */
  end: number;
}

export interface PickleLimits {
  maxOpcodes: number;
  maxStack: number;
  maxMemo: number;
  maxContainerItems: number;
  /** `buf` is only a prefix of the real data: running out of bytes is our limit, not an error. */
  prefixOnly?: boolean;
  /** nesting of joblib object-array pickles (internal) */
  depth?: number;
}
const DEFAULT_LIMITS: PickleLimits = { maxOpcodes: 5_000_000, maxStack: 1_000_000, maxMemo: 1_000_000, maxContainerItems: 1_000_000 };

const DANGEROUS_MODULES = [
  'os', 'posix', 'nt', 'subprocess', 'runpy', 'sys', 'shutil', 'socket', 'webbrowser', 'pty',
  'commands', 'ctypes', 'importlib', 'code', 'codeop', 'marshal', 'pickle', '_pickle', 'dill',
  'multiprocessing', 'asyncio', 'pdb', 'bdb', 'timeit', 'urllib', 'requests', 'http', 'ftplib',
  'telnetlib', 'smtplib', 'tempfile', 'signal', '_posixsubprocess', 'sqlite3', 'zipimport',
];
const DANGEROUS_BUILTINS = new Set([
  'eval', 'exec', 'execfile', 'compile', 'open', 'getattr', 'setattr', 'delattr', '__import__',
  'globals', 'locals', 'vars', 'breakpoint', 'input', 'apply', 'help', 'exit', 'quit',
]);
const DANGEROUS_EXACT = new Set(['operator.attrgetter', 'operator.methodcaller', 'torch.load', 'numpy.load', 'functools.reduce', 'torch.hub.load', 'torch.serialization.load']);

export function isDangerousGlobal(module: string, name: string): boolean {
  if (module === 'builtins' || module === '__builtin__' || module === '__builtins__') return DANGEROUS_BUILTINS.has(name);
  if (DANGEROUS_EXACT.has(`${module}.${name}`)) return true;
  return DANGEROUS_MODULES.some((m) => module === m || module.startsWith(`${m}.`));
}

const STORAGE_DTYPES: Record<string, string> = {
  FloatStorage: 'F32', HalfStorage: 'F16', BFloat16Storage: 'BF16', DoubleStorage: 'F64',
  LongStorage: 'I64', IntStorage: 'I32', ShortStorage: 'I16', CharStorage: 'I8', ByteStorage: 'U8',
  BoolStorage: 'BOOL', ComplexFloatStorage: 'C64', ComplexDoubleStorage: 'C128',
  QInt8Storage: 'QI8', QUInt8Storage: 'QU8', QInt32Storage: 'QI32', Float8_e4m3fnStorage: 'F8_E4M3',
  Float8_e5m2Storage: 'F8_E5M2',
};
const TORCH_DTYPES: Record<string, string> = {
  float32: 'F32', float: 'F32', float16: 'F16', half: 'F16', bfloat16: 'BF16', float64: 'F64',
  double: 'F64', int64: 'I64', long: 'I64', int32: 'I32', int: 'I32', int16: 'I16', int8: 'I8',
  uint8: 'U8', bool: 'BOOL', float8_e4m3fn: 'F8_E4M3', float8_e5m2: 'F8_E5M2',
};
const REBUILD_TENSOR = new Set(['torch._utils._rebuild_tensor', 'torch._utils._rebuild_tensor_v2', 'torch._utils._rebuild_tensor_v3']);
const PASS_THROUGH = new Set(['torch._utils._rebuild_parameter', 'torch._utils._rebuild_parameter_with_state', 'torch.nn.parameter.Parameter']);

class Stop extends Error {
  constructor(readonly by: 'limit' | 'error', message: string) {
    super(message);
  }
}

/** Disassembles one pickle starting at `start`. Never throws for malformed input: see `stopped`. */
export function scanPickle(buf: Uint8Array, start = 0, limits: Partial<PickleLimits> = {}): PickleScan {
  const L = { ...DEFAULT_LIMITS, ...limits };
  const dv = view(buf);
  const stack: PV[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PV>();
  const globals = new Set<string>();
  const dangerous = new Set<string>();
  let protocol = 0;
  let pos = start;
  let ops = 0;
  let tensorCalls = 0;
  let opStart = start;

  const need = (n: number) => {
    if (n < 0 || pos + n > buf.length) throw new Stop(L.prefixOnly ? 'limit' : 'error', 'pickle data is truncated');
  };
  const u8 = () => { need(1); return buf[pos++] as number; };
  const u16 = () => { need(2); const v = dv.getUint16(pos, true); pos += 2; return v; };
  const u32 = () => { need(4); const v = dv.getUint32(pos, true); pos += 4; return v; };
  const i32 = () => { need(4); const v = dv.getInt32(pos, true); pos += 4; return v; };
  const u64 = () => {
    need(8);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(buf.length)) throw new Stop(L.prefixOnly ? 'limit' : 'error', 'declared length runs past the end of the pickle');
    return Number(v);
  };
  const take = (n: number) => { need(n); const b = buf.subarray(pos, pos + n); pos += n; return b; };
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end - pos > 65536) throw new Stop('error', 'text argument is too long');
    if (end < 0) throw new Stop(L.prefixOnly ? 'limit' : 'error', 'text argument is unterminated');
    const s = decodeUtf8(buf.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const push = (v: PV) => {
    if (stack.length >= L.maxStack) throw new Stop('limit', 'stack limit reached');
    stack.push(v);
  };
  const pop = (): PV => {
    const floor = marks.length ? (marks[marks.length - 1] as number) : 0;
    if (stack.length <= floor) throw new Stop('error', 'stack underflow');
    return stack.pop() as PV;
  };
  const top = (): PV => {
    const floor = marks.length ? (marks[marks.length - 1] as number) : 0;
    if (stack.length <= floor) throw new Stop('error', 'stack underflow');
    return stack[stack.length - 1] as PV;
  };
  const popMark = (): PV[] => {
    const m = marks.pop();
    if (m === undefined) throw new Stop('error', 'mark not found');
    return stack.splice(m);
  };
  const addGlobal = (module: string, name: string): PGlobal => {
    const g = new PGlobal(clip(module, 200), clip(name, 200));
    if (globals.size < 500) globals.add(g.full);
    if (isDangerousGlobal(module, name)) dangerous.add(g.full);
    return g;
  };
  const setMemo = (k: number, v: PV) => {
    if (memo.size >= L.maxMemo && !memo.has(k)) throw new Stop('limit', 'memo limit reached');
    memo.set(k, v);
  };
  const getMemo = (k: number): PV => {
    if (!memo.has(k)) throw new Stop('error', `memo key ${k} is missing`);
    return memo.get(k) as PV;
  };
  const addEntries = (target: PV, kvs: PV[]) => {
    if (kvs.length % 2) throw new Stop('error', 'odd number of dict items');
    const list = target instanceof PDict || target instanceof PObj ? target.entries : null;
    if (!list) return;
    for (let i = 0; i < kvs.length && list.length < L.maxContainerItems; i += 2) list.push([kvs[i] as PV, kvs[i + 1] as PV]);
  };
  const addItems = (target: PV, items: PV[]) => {
    const list = target instanceof PList || target instanceof PObj ? target.items : null;
    if (!list) return;
    for (const it of items) {
      if (list.length >= L.maxContainerItems) break;
      list.push(it);
    }
  };
  const reduce = (fn: PV, args: PV): PV => {
    if (fn instanceof PGlobal) {
      const full = fn.full;
      if (REBUILD_TENSOR.has(full) && args instanceof PTuple) {
        tensorCalls++;
        return tensorFrom(args.items, full.endsWith('_v3'));
      }
      if (PASS_THROUGH.has(full) && args instanceof PTuple && args.items[0] instanceof PTensor) return args.items[0];
      if (full === 'collections.OrderedDict' || full === 'builtins.dict') return new PDict();
    }
    return new PObj(fn, args);
  };

  // joblib writes each numpy array's raw bytes right after its NumpyArrayWrapper (BUILD), outside
  // the pickle opcodes; object arrays as a nested pickle. Jump over them as joblib's loader reads them.
  const skipJoblibArray = (state: PV) => {
    const align = dictGet(state, 'numpy_array_alignment_bytes');
    if (typeof align === 'number' && align > 0) take(u8());
    const dtype = dictGet(state, 'dtype');
    const code = dtype instanceof PObj && dtype.args instanceof PTuple ? dtype.args.items[0] : undefined;
    const m = typeof code === 'string' ? /^[<>|=]?([biufcmMOSUV])(\d*)$/.exec(code) : null;
    if (!m) throw new Stop('limit', 'joblib array with an unknown dtype');
    if (m[1] === 'O') {
      if ((L.depth ?? 0) >= 4) throw new Stop('limit', 'joblib object arrays nested too deeply');
      const sub = scanPickle(buf, pos, { ...L, depth: (L.depth ?? 0) + 1 });
      for (const g of sub.globals) if (globals.size < 500) globals.add(g);
      for (const g of sub.dangerous) dangerous.add(g);
      if (!sub.complete) throw new Stop(sub.stopped?.by ?? 'error', `in a joblib object array: ${sub.stopped?.reason ?? 'incomplete'}`);
      pos = sub.end;
      return;
    }
    const shape = dictGet(state, 'shape');
    const dims = shape instanceof PTuple ? shape.items.map((d) => (typeof d === 'number' ? d : Number.NaN)) : [];
    const count = shape instanceof PTuple ? product(dims) : null;
    const width = Number(m[2] || '1') * (m[1] === 'U' ? 4 : 1);
    if (count === null || !Number.isSafeInteger(count * width)) throw new Stop('limit', 'joblib array of unknown size');
    take(count * width);
  };

  let stopped: PickleScan['stopped'];
  let complete = false;
  try {
    for (;;) {
      if (++ops > L.maxOpcodes) throw new Stop('limit', 'opcode limit reached');
      opStart = pos;
      const op = u8();
      switch (op) {
        case 0x80: protocol = u8(); break; // PROTO
        case 0x95: u64(); break; // FRAME
        case 0x2e: complete = true; break; // STOP
        case 0x28: marks.push(stack.length); break; // MARK
        case 0x30: { // POP
          const floor = marks.length ? (marks[marks.length - 1] as number) : 0;
          if (stack.length === floor && marks.length) marks.pop();
          else pop();
          break;
        }
        case 0x31: popMark(); break; // POP_MARK
        case 0x32: push(top()); break; // DUP
        case 0x4e: push(null); break; // NONE
        case 0x88: push(true); break;
        case 0x89: push(false); break;
        case 0x4a: push(i32()); break; // BININT
        case 0x4b: push(u8()); break; // BININT1
        case 0x4d: push(u16()); break; // BININT2
        case 0x49: { // INT
          const s = line().trim();
          push(s === '01' ? true : s === '00' ? false : Number.parseInt(s, 10));
          break;
        }
        case 0x4c: push(Number.parseInt(line().replace(/L$/, ''), 10)); break; // LONG
        case 0x8a: push(longBytes(take(u8()))); break; // LONG1
        case 0x8b: { // LONG4
          const n = i32();
          if (n < 0) throw new Stop('error', 'negative LONG4 length');
          push(longBytes(take(n)));
          break;
        }
        case 0x46: push(Number.parseFloat(line())); break; // FLOAT
        case 0x47: { need(8); push(dv.getFloat64(pos, false)); pos += 8; break; } // BINFLOAT
        case 0x53: push(clip(unquote(line()), 100_000)); break; // STRING
        case 0x54: { // BINSTRING
          const n = i32();
          if (n < 0) throw new Stop('error', 'negative BINSTRING length');
          push(clip(decodeUtf8(take(n)), 100_000));
          break;
        }
        case 0x55: push(decodeUtf8(take(u8()))); break; // SHORT_BINSTRING
        case 0x56: push(clip(line(), 100_000)); break; // UNICODE
        case 0x58: push(clip(decodeUtf8(take(u32())), 100_000)); break; // BINUNICODE
        case 0x8c: push(decodeUtf8(take(u8()))); break; // SHORT_BINUNICODE
        case 0x8d: push(clip(decodeUtf8(take(u64())), 100_000)); break; // BINUNICODE8
        case 0x42: { const n = u32(); take(n); push(new PBytes(n)); break; } // BINBYTES
        case 0x43: { const n = u8(); take(n); push(new PBytes(n)); break; } // SHORT_BINBYTES
        case 0x8e: case 0x96: { const n = u64(); take(n); push(new PBytes(n)); break; } // BINBYTES8, BYTEARRAY8
        case 0x97: push(new PBytes(0)); break; // NEXT_BUFFER
        case 0x98: break; // READONLY_BUFFER
        case 0x29: push(new PTuple([])); break; // EMPTY_TUPLE
        case 0x85: push(new PTuple([pop()])); break; // TUPLE1
        case 0x86: { const b = pop(); const a = pop(); push(new PTuple([a, b])); break; }
        case 0x87: { const c = pop(); const b = pop(); const a = pop(); push(new PTuple([a, b, c])); break; }
        case 0x74: push(new PTuple(popMark())); break; // TUPLE
        case 0x5d: push(new PList()); break; // EMPTY_LIST
        case 0x6c: { const l = new PList(); addItems(l, popMark()); push(l); break; } // LIST
        case 0x7d: push(new PDict()); break; // EMPTY_DICT
        case 0x64: { const d = new PDict(); addEntries(d, popMark()); push(d); break; } // DICT
        case 0x8f: push(new PList()); break; // EMPTY_SET
        case 0x91: { const l = new PList(); addItems(l, popMark()); push(l); break; } // FROZENSET
        case 0x90: { const items = popMark(); addItems(top(), items); break; } // ADDITEMS
        case 0x61: { const v = pop(); addItems(top(), [v]); break; } // APPEND
        case 0x65: { const items = popMark(); addItems(top(), items); break; } // APPENDS
        case 0x73: { const v = pop(); const k = pop(); addEntries(top(), [k, v]); break; } // SETITEM
        case 0x75: { const kvs = popMark(); addEntries(top(), kvs); break; } // SETITEMS
        case 0x63: { const module = line(); const name = line(); push(addGlobal(module, name)); break; } // GLOBAL
        case 0x93: { // STACK_GLOBAL
          const name = pop();
          const module = pop();
          if (typeof name !== 'string' || typeof module !== 'string') throw new Stop('error', 'STACK_GLOBAL arguments are not strings');
          push(addGlobal(module, name));
          break;
        }
        case 0x69: { // INST
          const module = line();
          const name = line();
          const g = addGlobal(module, name);
          push(new PObj(g, new PTuple(popMark())));
          break;
        }
        case 0x6f: { // OBJ
          const items = popMark();
          if (!items.length) throw new Stop('error', 'OBJ without a class');
          push(new PObj(items[0] as PV, new PTuple(items.slice(1))));
          break;
        }
        case 0x82: case 0x83: case 0x84: { // EXT1/2/4: a code from the copyreg extension registry
          const code = op === 0x82 ? u8() : op === 0x83 ? u16() : i32();
          const g = new PGlobal('copyreg-extension', String(code));
          globals.add(g.full);
          dangerous.add(g.full);
          push(g);
          break;
        }
        case 0x52: { const args = pop(); const fn = pop(); push(reduce(fn, args)); break; } // REDUCE
        case 0x81: { const args = pop(); const cls = pop(); push(new PObj(cls, args)); break; } // NEWOBJ
        case 0x92: { pop(); const args = pop(); const cls = pop(); push(new PObj(cls, args)); break; } // NEWOBJ_EX
        case 0x62: { // BUILD
          const state = pop();
          const t = top();
          if (t instanceof PObj) {
            t.state = state;
            if (t.callable instanceof PGlobal && t.callable.name === 'NumpyArrayWrapper' && /(^|\.)joblib\.numpy_pickle$/.test(t.callable.module)) skipJoblibArray(state);
          }
          break;
        }
        case 0x50: push(new PPid(line())); break; // PERSID
        case 0x51: push(new PPid(pop())); break; // BINPERSID
        case 0x70: setMemo(Number.parseInt(line(), 10), top()); break; // PUT
        case 0x71: setMemo(u8(), top()); break; // BINPUT
        case 0x72: setMemo(u32(), top()); break; // LONG_BINPUT
        case 0x94: setMemo(memo.size, top()); break; // MEMOIZE
        case 0x67: push(getMemo(Number.parseInt(line(), 10))); break; // GET
        case 0x68: push(getMemo(u8())); break; // BINGET
        case 0x6a: push(getMemo(u32())); break; // LONG_BINGET
        default:
          throw new Stop('error', `unknown opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
      if (complete) break;
    }
  } catch (err) {
    if (err instanceof Stop) stopped = { by: err.by, reason: err.message, offset: opStart };
    else throw err;
  }
  return {
    protocol,
    globals: [...globals],
    dangerous: [...dangerous],
    complete,
    stopped,
    root: complete ? stack[stack.length - 1] : undefined,
    tensorCalls,
    opcodes: ops,
    end: pos,
  };
}

function longBytes(b: Uint8Array): number {
  if (b.length === 0) return 0;
  if (b.length > 8) return Number.NaN;
  let v = 0n;
  for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i] as number);
  if ((b[b.length - 1] as number) & 0x80) v -= 1n << BigInt(8 * b.length);
  return Number(v);
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === "'" || t[0] === '"') && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

function tensorFrom(args: PV[], v3: boolean): PTensor {
  const storage = args[0];
  const size = args[2];
  let dtype = 'unknown';
  if (storage instanceof PPid && storage.value instanceof PTuple) {
    const cls = storage.value.items[1];
    if (cls instanceof PGlobal) dtype = STORAGE_DTYPES[cls.name] ?? cls.name;
  }
  if (v3 && args[6] instanceof PGlobal) dtype = TORCH_DTYPES[args[6].name] ?? args[6].name;
  const shape: number[] = [];
  if (size instanceof PTuple) {
    for (const d of size.items.slice(0, 16)) shape.push(typeof d === 'number' ? d : Number.NaN);
  }
  return new PTensor(dtype, shape, size instanceof PTuple ? product(shape) : null);
}

// ---------------------------------------------------------------------------------------------
// Helpers over the symbolic values.

export function entriesOf(v: PV): [PV, PV][] | null {
  return v instanceof PDict || v instanceof PObj ? v.entries : null;
}

/** Looks a string key up in a dict-like value. */
export function dictGet(v: PV, key: string): PV | undefined {
  const entries = entriesOf(v);
  if (!entries) return undefined;
  for (const [k, val] of entries) if (k === key) return val;
  return undefined;
}

/** Counts distinct tensors reachable from `root` (bounded walk). */
export function countTensors(root: PV, maxNodes = 2_000_000): { tensors: number; parameters: number; dtypes: Record<string, number>; exact: boolean } {
  const seen = new Set<object>();
  const dtypes: Record<string, number> = {};
  let tensors = 0;
  let parameters = 0;
  let exact = true;
  const todo: PV[] = [root];
  let visits = 0;
  while (todo.length) {
    const v = todo.pop() as PV;
    if (v === null || typeof v !== 'object' || seen.has(v)) continue;
    if (++visits > maxNodes) {
      exact = false;
      break;
    }
    seen.add(v);
    if (v instanceof PTensor) {
      tensors++;
      if (v.numel === null) exact = false;
      else {
        parameters += v.numel;
        addTo(dtypes, v.dtype, v.numel);
      }
    } else if (v instanceof PTuple || v instanceof PList) {
      for (const it of v.items) todo.push(it);
    } else if (v instanceof PDict) {
      for (const [, val] of v.entries) todo.push(val);
    } else if (v instanceof PObj) {
      for (const [, val] of v.entries) todo.push(val);
      for (const it of v.items) todo.push(it);
      todo.push(v.state);
      todo.push(v.args);
    }
  }
  return { tensors, parameters, dtypes, exact };
}

/** A JSON-friendly rendering of small scalar values (for hyperparameters, epoch, …). */
export function plain(v: PV | undefined, depth = 0): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (typeof v === 'string') return clip(v, 500);
  if (typeof v === 'boolean') return v;
  if (depth >= 3) return '…';
  if (v instanceof PTuple || v instanceof PList) return v.items.slice(0, 20).map((x) => plain(x, depth + 1));
  if (v instanceof PDict || (v instanceof PObj && v.entries.length)) {
    const out: Record<string, unknown> = {};
    for (const [k, val] of (v as PDict).entries.slice(0, 100)) {
      if (typeof k === 'string' || typeof k === 'number') out[clip(String(k), 200)] = plain(val, depth + 1);
    }
    return out;
  }
  if (v instanceof PGlobal) return v.full;
  if (v instanceof PTensor) return `tensor${JSON.stringify(v.shape)} ${v.dtype}`;
  if (v instanceof PObj) {
    if (v.state instanceof PDict) return plain(v.state, depth);
    return v.callable instanceof PGlobal ? `<${v.callable.full}>` : '<object>';
  }
  if (v instanceof PBytes) return `<${v.length} bytes>`;
  return null;
}

/** Safety summary used by every pickle-bearing format. */
export interface PickleSafety {
  verdict: 'safe' | 'dangerous' | 'unknown';
  globals: string[];
  dangerous: string[];
  complete: boolean;
}

export function safetyOf(scans: PickleScan[]): PickleSafety {
  const globals = new Set<string>();
  const dangerous = new Set<string>();
  let complete = true;
  let limited = false;
  for (const s of scans) {
    for (const g of s.globals) globals.add(g);
    for (const g of s.dangerous) dangerous.add(g);
    if (!s.complete) complete = false;
    if (s.stopped?.by === 'limit') limited = true;
  }
  // A scan that stopped on malformed data saw everything Python would execute before failing at
  // the same place; a scan stopped by our own limits did not, so it cannot be called safe.
  const verdict = dangerous.size ? 'dangerous' : limited ? 'unknown' : 'safe';
  return { verdict, globals: [...globals].slice(0, 200), dangerous: [...dangerous].slice(0, 100), complete };
}

