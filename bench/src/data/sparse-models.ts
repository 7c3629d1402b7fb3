// P4's three big model files, written sparse: the header bytes are real (what a converter writes for
// a model of that shape), the tensor data is a hole (reads as zeros, costs no disk). Each returns its
// header size — what a reader must read at minimum — so the bench can compare bytes read to it.
//   safetensors ≈ 5 GiB: a 2.7B-parameter decoder in BF16, 318 tensors (header ~30 KB)
//   GGUF        ≈ 5 GiB: Llama-3-8B-shaped Q4_K_M with its real-size tokenizer (128,256 tokens,
//                         280,147 merges): a ~7 MB header, as real Llama-3 GGUFs have
//   ONNX        ≈ 2 GiB: a 24-layer transformer exported with inline initializers (just under
//                         protobuf's 2 GiB limit); "header" = every byte that is not raw_data
import { closeSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Prng } from '../../../electron/core/demo/prng';

export interface SparseModel {
  name: string;
  /** Folder (relative to the share) that holds only this file. */
  folder: string;
  file: string;
  size: number;
  headerBytes: number;
  /** What the reader should find (checked against the catalog after the scan). */
  expect: { parameters: number; tensors: number };
}

/** A growable little-endian byte buffer (ByteWriter is too slow for 400k tokenizer strings). */
class Buf {
  buf = Buffer.allocUnsafe(1 << 20);
  length = 0;
  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + n));
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): this {
    this.ensure(1);
    this.buf[this.length++] = v & 0xff;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.length);
    this.length += 4;
    return this;
  }
  i32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
    return this;
  }
  u64(v: number): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
    return this;
  }
  f32(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
    return this;
  }
  utf8(s: string): this {
    return this.bytes(Buffer.from(s, 'utf8'));
  }
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.length, this.length + n);
    this.length += n;
    return this;
  }
  out(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

/** Writes `parts` (bytes at offsets) into a new file of `size` bytes; the rest is a hole. */
function writeSparse(file: string, size: number, parts: Array<{ offset: number; bytes: Uint8Array }>): void {
  const fd = openSync(file, 'w');
  try {
    for (const p of parts) {
      let done = 0;
      while (done < p.bytes.length) done += writeSync(fd, p.bytes, done, p.bytes.length - done, p.offset + done);
    }
    ftruncateSync(fd, size);
  } finally {
    closeSync(fd);
  }
}

// ---- safetensors --------------------------------------------------------------------------------

function safetensors(dir: string): SparseModel {
  const H = 2560;
  const KV = 640;
  const I = 6912;
  const V = 50304;
  const L = 35;
  const shapes: Array<[string, number[]]> = [['model.embed_tokens.weight', [V, H]]];
  for (let l = 0; l < L; l++) {
    const p = `model.layers.${l}`;
    shapes.push(
      [`${p}.input_layernorm.weight`, [H]],
      [`${p}.self_attn.q_proj.weight`, [H, H]],
      [`${p}.self_attn.k_proj.weight`, [KV, H]],
      [`${p}.self_attn.v_proj.weight`, [KV, H]],
      [`${p}.self_attn.o_proj.weight`, [H, H]],
      [`${p}.post_attention_layernorm.weight`, [H]],
      [`${p}.mlp.gate_proj.weight`, [I, H]],
      [`${p}.mlp.up_proj.weight`, [I, H]],
      [`${p}.mlp.down_proj.weight`, [H, I]],
    );
  }
  shapes.push(['model.norm.weight', [H]], ['lm_head.weight', [V, H]]);
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  let parameters = 0;
  for (const [name, shape] of shapes) {
    const numel = shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + numel * 2] };
    offset += numel * 2;
    parameters += numel;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const head = new Buf().u64(Buffer.byteLength(json)).utf8(json).out();
  const folder = 'safetensors-2.7b';
  const file = path.join(dir, folder, 'model.safetensors');
  mkdirSync(path.dirname(file), { recursive: true });
  const size = head.length + offset;
  writeSparse(file, size, [{ offset: 0, bytes: head }]);
  return { name: 'safetensors', folder, file, size, headerBytes: head.length, expect: { parameters, tensors: shapes.length } };
}

// ---- GGUF ---------------------------------------------------------------------------------------

const Q4_K = 12;
const Q6_K = 14;
const F32 = 0;
const BLOCK: Record<number, [number, number]> = { [Q4_K]: [256, 144], [Q6_K]: [256, 210], [F32]: [1, 4] };

function gguf(dir: string): SparseModel {
  const rng = new Prng(8);
  const H = 4096;
  const KV = 1024;
  const I = 14336;
  const V = 128256;
  const L = 32;
  const MERGES = 280147;
  const letters = 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
  const piece = (min: number, max: number) => {
    let s = rng.next() < 0.6 ? 'Ġ' : '';
    const n = rng.int(min, max);
    for (let i = 0; i < n; i++) s += letters[Math.floor(rng.next() * letters.length)];
    return s;
  };

  const w = new Buf();
  const str = (s: string) => {
    const b = Buffer.from(s, 'utf8');
    w.u64(b.length).bytes(b);
  };
  const tensors: Array<{ name: string; dims: number[]; type: number }> = [
    { name: 'token_embd.weight', dims: [H, V], type: Q6_K },
  ];
  for (let l = 0; l < L; l++) {
    const b = `blk.${l}`;
    tensors.push(
      { name: `${b}.attn_norm.weight`, dims: [H], type: F32 },
      { name: `${b}.attn_q.weight`, dims: [H, H], type: Q4_K },
      { name: `${b}.attn_k.weight`, dims: [H, KV], type: Q4_K },
      { name: `${b}.attn_v.weight`, dims: [H, KV], type: Q6_K },
      { name: `${b}.attn_output.weight`, dims: [H, H], type: Q4_K },
      { name: `${b}.ffn_norm.weight`, dims: [H], type: F32 },
      { name: `${b}.ffn_gate.weight`, dims: [H, I], type: Q4_K },
      { name: `${b}.ffn_up.weight`, dims: [H, I], type: Q4_K },
      { name: `${b}.ffn_down.weight`, dims: [I, H], type: Q6_K },
    );
  }
  tensors.push({ name: 'output_norm.weight', dims: [H], type: F32 }, { name: 'output.weight', dims: [H, V], type: Q6_K });

  const kvStr = (k: string, v: string) => () => {
    str(k);
    w.u32(8);
    str(v);
  };
  const kvU32 = (k: string, v: number) => () => {
    str(k);
    w.u32(4).u32(v);
  };
  const kvF32 = (k: string, v: number) => () => {
    str(k);
    w.u32(6).f32(v);
  };
  const kvs: Array<() => void> = [
    kvStr('general.architecture', 'llama'),
    kvStr('general.type', 'model'),
    kvStr('general.name', 'Meta Llama 3.1 8B Instruct'),
    kvStr('general.size_label', '8B'),
    kvStr('general.license', 'llama3.1'),
    kvU32('llama.block_count', L),
    kvU32('llama.context_length', 131072),
    kvU32('llama.embedding_length', H),
    kvU32('llama.feed_forward_length', I),
    kvU32('llama.attention.head_count', 32),
    kvU32('llama.attention.head_count_kv', 8),
    kvF32('llama.rope.freq_base', 500000),
    kvF32('llama.attention.layer_norm_rms_epsilon', 1e-5),
    kvU32('general.file_type', 15),
    kvU32('llama.vocab_size', V),
    kvStr('tokenizer.ggml.model', 'gpt2'),
    kvStr('tokenizer.ggml.pre', 'llama-bpe'),
    () => {
      str('tokenizer.ggml.tokens');
      w.u32(9).u32(8).u64(V);
      for (let i = 0; i < V; i++) str(piece(1, 9));
    },
    () => {
      str('tokenizer.ggml.token_type');
      w.u32(9).u32(5).u64(V);
      for (let i = 0; i < V; i++) w.i32(i < 128000 ? 1 : 3);
    },
    () => {
      str('tokenizer.ggml.merges');
      w.u32(9).u32(8).u64(MERGES);
      for (let i = 0; i < MERGES; i++) str(`${piece(1, 5)} ${piece(1, 5)}`);
    },
    kvU32('tokenizer.ggml.bos_token_id', 128000),
    kvU32('tokenizer.ggml.eos_token_id', 128009),
    kvStr('tokenizer.chat_template', `{% for message in messages %}${'{{ message.content }}'.repeat(60)}{% endfor %}`),
    kvU32('general.quantization_version', 2),
  ];
  w.utf8('GGUF').u32(3).u64(tensors.length).u64(kvs.length);
  for (const kv of kvs) kv();
  let offset = 0;
  let parameters = 0;
  for (const t of tensors) {
    const numel = t.dims.reduce((a, b) => a * b, 1);
    const [per, bytes] = BLOCK[t.type]!;
    str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type).u64(offset);
    offset += Math.ceil(((numel / per) * bytes) / 32) * 32;
    parameters += numel;
  }
  w.zeros((32 - (w.length % 32)) % 32);
  const head = w.out();
  const folder = 'gguf-llama-8b';
  const file = path.join(dir, folder, 'llama-3.1-8b-instruct-Q4_K_M.gguf');
  mkdirSync(path.dirname(file), { recursive: true });
  const size = head.length + offset;
  writeSparse(file, size, [{ offset: 0, bytes: head }]);
  return { name: 'gguf', folder, file, size, headerBytes: head.length, expect: { parameters, tensors: tensors.length } };
}

// ---- ONNX ---------------------------------------------------------------------------------------

/** Protobuf built as segments, so raw_data can be a hole of known length. */
type Seg = Buffer | { hole: number };
const segLen = (segs: Seg[]) => segs.reduce((n, s) => n + (Buffer.isBuffer(s) ? s.length : s.hole), 0);
function varint(v: number): Buffer {
  const out: number[] = [];
  let n = v;
  while (n >= 0x80) {
    out.push((n % 128) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}
const key = (field: number, wire: number) => varint(field * 8 + wire);
const pbVarint = (field: number, v: number) => Buffer.concat([key(field, 0), varint(v)]);
const pbBytes = (field: number, b: Buffer) => Buffer.concat([key(field, 2), varint(b.length), b]);
const pbString = (field: number, s: string) => pbBytes(field, Buffer.from(s, 'utf8'));
const pbMessage = (field: number, segs: Seg[]): Seg[] => [Buffer.concat([key(field, 2), varint(segLen(segs))]), ...segs];

function onnx(dir: string): SparseModel {
  const H = 1280;
  const I = 5120;
  const V = 48000;
  const L = 24;
  const P = 1024;
  const inits: Array<[string, number[]]> = [
    ['wte.weight', [V, H]],
    ['wpe.weight', [P, H]],
  ];
  for (let l = 0; l < L; l++) {
    const b = `h.${l}`;
    inits.push(
      [`${b}.ln_1.weight`, [H]], [`${b}.ln_1.bias`, [H]],
      [`${b}.attn.c_attn.weight`, [H, 3 * H]], [`${b}.attn.c_attn.bias`, [3 * H]],
      [`${b}.attn.c_proj.weight`, [H, H]], [`${b}.attn.c_proj.bias`, [H]],
      [`${b}.ln_2.weight`, [H]], [`${b}.ln_2.bias`, [H]],
      [`${b}.mlp.c_fc.weight`, [H, I]], [`${b}.mlp.c_fc.bias`, [I]],
      [`${b}.mlp.c_proj.weight`, [I, H]], [`${b}.mlp.c_proj.bias`, [H]],
    );
  }
  inits.push(['ln_f.weight', [H]], ['ln_f.bias', [H]]);
  const graph: Seg[] = [];
  const ops = ['LayerNormalization', 'MatMul', 'Add', 'Split', 'Reshape', 'Transpose', 'MatMul', 'Softmax', 'MatMul', 'Transpose', 'Reshape', 'MatMul', 'Add', 'Add', 'LayerNormalization', 'MatMul', 'Add', 'Gelu', 'MatMul', 'Add', 'Add'];
  let prev = 'input_ids';
  for (let l = 0; l < L; l++) {
    ops.forEach((op, i) => {
      const out = `/h.${l}/${op}_${i}_output_0`;
      const node = Buffer.concat([pbString(1, prev), pbString(1, `h.${l}.param_${i}`), pbString(2, out), pbString(3, `/h.${l}/${op}_${i}`), pbString(4, op)]);
      graph.push(pbBytes(1, node));
      prev = out;
    });
  }
  graph.push(pbString(2, 'main_graph'));
  let raw = 0;
  let parameters = 0;
  for (const [name, dims] of inits) {
    const numel = dims.reduce((a, b) => a * b, 1);
    const tensor: Seg[] = [Buffer.concat([...dims.map((d) => pbVarint(1, d)), pbVarint(2, 1), pbString(8, name), key(9, 2), varint(numel * 4)]), { hole: numel * 4 }];
    graph.push(...pbMessage(5, tensor));
    raw += numel * 4;
    parameters += numel;
  }
  const valueInfo = (name: string, shape: Array<number | string>) => {
    const sh = Buffer.concat(shape.map((d) => pbBytes(1, typeof d === 'number' ? pbVarint(1, d) : pbString(2, d))));
    const tensorType = Buffer.concat([pbVarint(1, 7), pbBytes(2, sh)]);
    return Buffer.concat([pbString(1, name), pbBytes(2, pbBytes(1, tensorType))]);
  };
  graph.push(pbBytes(11, valueInfo('input_ids', ['batch', 'sequence'])), pbBytes(12, valueInfo('logits', ['batch', 'sequence', V])));
  const model: Seg[] = [
    pbVarint(1, 8),
    pbString(2, 'pytorch'),
    pbString(3, '2.5.1'),
    ...pbMessage(7, graph),
    pbBytes(8, Buffer.concat([pbString(1, ''), pbVarint(2, 17)])),
    pbBytes(14, Buffer.concat([pbString(1, 'model_name'), pbString(2, 'gpt2-xl-distilled')])),
    pbBytes(14, Buffer.concat([pbString(1, 'exported_by'), pbString(2, 'ml-team')])),
  ];
  const size = segLen(model);
  if (size >= 2 ** 31) throw new Error(`ONNX model is ${size} bytes, above protobuf's 2 GiB limit`);
  const parts: Array<{ offset: number; bytes: Uint8Array }> = [];
  let at = 0;
  for (const s of model) {
    if (Buffer.isBuffer(s)) {
      const last = parts[parts.length - 1];
      if (last && last.offset + last.bytes.length === at) last.bytes = Buffer.concat([last.bytes, s]);
      else parts.push({ offset: at, bytes: s });
      at += s.length;
    } else at += s.hole;
  }
  const folder = 'onnx-transformer';
  const file = path.join(dir, folder, 'model.onnx');
  mkdirSync(path.dirname(file), { recursive: true });
  writeSparse(file, size, parts);
  return { name: 'onnx', folder, file, size, headerBytes: size - raw, expect: { parameters, tensors: inits.length } };
}

export function writeSparseModels(dir: string): SparseModel[] {
  return [safetensors(dir), gguf(dir), onnx(dir)];
}
