import type { RangeSource } from './range-source';

/** What a format reader learned from a file's header. `metadata` is small and JSON-serialisable. */
export interface FormatInfo {
  /** 'safetensors' | 'safetensors-index' | 'gguf' | 'onnx' | 'pytorch' | 'pickle' | 'parquet' | … */
  format: string;
  kind: 'model' | 'dataset' | 'other';
  metadata: Record<string, unknown>;
  /** Plain sentences a person can read: truncation, invalid entries, risky content. */
  warnings: string[];
}

export type FormatReader = (src: RangeSource) => Promise<FormatInfo>;

/** Thrown by readers for malformed input; readFormat() turns it into a warning. */
export class FormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FormatError';
  }
}

/** The file is not this format at all (e.g. a `.bin` that is not a PyTorch checkpoint). */
export class NotThisFormat extends FormatError {
  constructor(message: string) {
    super(message);
    this.name = 'NotThisFormat';
  }
}
