// What the run readers see and return. A run is a training run as a tool left it on the share
// (MLflow, TensorBoard, Hugging Face Trainer, Lightning, Ultralytics, Keras CSVLogger, DVCLive).
import type { FileEntry } from '../nas/file-source';

export interface RunFileReader { list(dir: string): Promise<FileEntry[]>; read(path: string, offset: number, length: number): Promise<Uint8Array>; }
export interface CatalogFile { path: string; isDir: boolean; size: number; mtimeMs: number }
export interface MetricPoint { step: number; wallMs: number | null; value: number }
export interface DetectedRun { format: 'mlflow' | 'tensorboard' | 'hf-trainer' | 'lightning' | 'ultralytics' | 'keras-csv' | 'dvclive'; /** run root folder, source-relative */ path: string; /** the files the reader will read (for change detection) */ files: string[] }
export interface ParsedRun {
  format: DetectedRun['format']; name: string; status: string | null; startedMs: number | null; endedMs: number | null;
  params: Record<string, string>; tags: Record<string, string>;
  metrics: Record<string, MetricPoint[]>;
  /** datasets it used: name, and where on the source if known (lineage 'trained-on') */
  inputs: Array<{ name: string; path?: string; digest?: string; evidence: string }>;
  /** model files it produced (source-relative paths), for 'produced-by' lineage */
  outputs: Array<{ path: string; evidence: string }>;
  warnings: string[];
}
export interface LineageHint { from: string /* source-relative path or 'external:<name>' */; to: string; relation: 'trained-on' | 'produced-by' | 'derived-from'; evidence: string }
