// The tiny llama's GGUF header, shared by its quantisations in the demo library (Q4_K_M in
// generate.ts, Q8_0 in extras.ts): same model, different general.file_type.
import type { GgufValue } from './model-writers';

export function tinyLlamaTokens(): string[] {
  const tokens = ['<unk>', '<s>', '</s>'];
  for (let i = 0; tokens.length < 256; i++) {
    tokens.push(i < 26 ? `▁${String.fromCharCode(97 + i)}` : `<0x${(i % 256).toString(16).toUpperCase().padStart(2, '0')}>${i}`);
  }
  return tokens;
}

export function tinyLlamaKv(tokens: string[], fileType: number, chatTemplate?: string): [string, GgufValue][] {
  return [
    ['general.architecture', { t: 'str', v: 'llama' }],
    ['general.type', { t: 'str', v: 'model' }],
    ['general.name', { t: 'str', v: 'Tiny Llama Chat' }],
    ['general.basename', { t: 'str', v: 'tiny-llama-chat' }],
    ['general.size_label', { t: 'str', v: '66K' }],
    ['general.license', { t: 'str', v: 'apache-2.0' }],
    ['general.base_model.count', { t: 'u32', v: 1 }],
    ['general.base_model.0.name', { t: 'str', v: 'TinyLlama 1.1B Chat v1.0' }],
    ['general.base_model.0.organization', { t: 'str', v: 'TinyLlama' }],
    ['general.base_model.0.repo_url', { t: 'str', v: 'https://huggingface.co/TinyLlama/TinyLlama-1.1B-Chat-v1.0' }],
    ['llama.block_count', { t: 'u32', v: 1 }],
    ['llama.context_length', { t: 'u32', v: 2048 }],
    ['llama.embedding_length', { t: 'u32', v: 64 }],
    ['llama.feed_forward_length', { t: 'u32', v: 256 }],
    ['llama.attention.head_count', { t: 'u32', v: 4 }],
    ['llama.attention.head_count_kv', { t: 'u32', v: 4 }],
    ['llama.rope.freq_base', { t: 'f32', v: 10000 }],
    ['llama.attention.layer_norm_rms_epsilon', { t: 'f32', v: 1e-5 }],
    ['general.file_type', { t: 'u32', v: fileType }],
    ['tokenizer.ggml.model', { t: 'str', v: 'llama' }],
    ['tokenizer.ggml.tokens', { t: 'arr-str', v: tokens }],
    ['tokenizer.ggml.scores', { t: 'arr-f32', v: tokens.map((_, i) => -i) }],
    ['tokenizer.ggml.token_type', { t: 'arr-i32', v: tokens.map((_, i) => (i < 3 ? 3 : 1)) }],
    ['tokenizer.ggml.bos_token_id', { t: 'u32', v: 1 }],
    ['tokenizer.ggml.eos_token_id', { t: 'u32', v: 2 }],
    ...(chatTemplate !== undefined ? ([['tokenizer.chat_template', { t: 'str', v: chatTemplate }]] as [string, GgufValue][]) : []),
    ['general.quantization_version', { t: 'u32', v: 2 }],
  ];
}
