// Shared pieces of the run readers: a byte budget over the RunFileReader that remembers which errors
// came from the source (those propagate; everything else becomes a warning), text/CSV/YAML helpers
// that treat file content as data, and a metric-series collector that drops non-finite values.
import { parseDocument } from 'yaml';
import type { FileEntry } from '../nas/file-source';
import type { MetricPoint, RunFileReader } from './types';

export const DEFAULT_RUN_BYTE_CAP = 64 * 1024 * 1024;
const CHUNK = 1024 * 1024;

/** Thrown when a run's byte budget is spent; readers turn it into a warning. */
export class BudgetExhausted extends Error {
  constructor() {
    super('the read limit for this run was reached');
    this.name = 'BudgetExhausted';
  }
}

/** Runs one file's work: bad content becomes a warning, a failing source propagates. */
export type Guard = (work: () => Promise<void>, what: string) => Promise<void>;

export interface FileBytes {
  bytes: Uint8Array;
  /** true when the whole file was read */
  complete: boolean;
}

export class RunBudget {
  used = 0;
  reads = 0;
  private sourceErrors = new Set<unknown>();
  private listings = new Map<string, Promise<FileEntry[]>>();

  constructor(
    private readonly src: RunFileReader,
    readonly cap: number,
  ) {}

  get remaining(): number {
    return Math.max(0, this.cap - this.used);
  }

  /** True for errors thrown by the source itself (share gone, permission): callers rethrow them. */
  isSourceError(err: unknown): boolean {
    return this.sourceErrors.has(err);
  }

  async read(path: string, offset: number, length: number): Promise<Uint8Array> {
    if (length <= 0) return new Uint8Array(0);
    if (length > this.remaining) throw new BudgetExhausted();
    let out: Uint8Array;
    try {
      out = await this.src.read(path, offset, length);
    } catch (err) {
      this.sourceErrors.add(err);
      throw err;
    }
    this.reads++;
    const got = out.length > length ? out.subarray(0, length) : out;
    this.used += got.length;
    return got;
  }

  async list(dir: string): Promise<FileEntry[]> {
    let p = this.listings.get(dir);
    if (!p) {
      p = this.src.list(dir).catch((err: unknown) => {
        this.sourceErrors.add(err);
        throw err;
      });
      this.listings.set(dir, p);
    }
    return p;
  }

  /** Size of a file from its folder's listing (one list per folder), or null when it is not there. */
  async size(path: string): Promise<number | null> {
    const i = path.lastIndexOf('/');
    const dir = i < 0 ? '' : path.slice(0, i);
    const name = path.slice(i + 1);
    const hit = (await this.list(dir)).find((e) => e.name === name && !e.isDir);
    return hit ? hit.size : null;
  }

  /**
   * Reads a file from the start, up to `max` bytes (and never past the budget), in 1 MiB reads. A
   * short read means end of file; a file that fills `max` exactly is probed with one more byte.
   */
  async readFile(path: string, max = Number.POSITIVE_INFINITY): Promise<FileBytes> {
    const limit = Math.min(max, this.remaining);
    const parts: Uint8Array[] = [];
    let got = 0;
    let complete = false;
    while (got < limit) {
      const want = Math.min(CHUNK, limit - got);
      const part = await this.read(path, got, want);
      parts.push(part);
      got += part.length;
      if (part.length < want) {
        complete = true;
        break;
      }
    }
    if (!complete && this.remaining >= 1) {
      const probe = await this.read(path, got, 1);
      complete = probe.length === 0;
    }
    return { bytes: concatParts(parts, got), complete };
  }
}

export function concatParts(parts: Uint8Array[], total = parts.reduce((n, p) => n + p.length, 0)): Uint8Array {
  if (parts.length === 1) return parts[0] as Uint8Array;
  const out = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const utf8 = new TextDecoder('utf-8', { fatal: false });
export function text(bytes: Uint8Array): string {
  const s = utf8.decode(bytes);
  return s.charCodeAt(0) === 0xfeff ? s.slice(1) : s;
}

export function clip(s: string, max = 2000): string {
  return s.length > max ? `${s.slice(0, max)}…` : s;
}

export function errorText(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0] ?? err.message : String(err);
}

// ---- numbers and metric series ----

/** A number from a log file: '' → null, 'nan'/'inf' spellings → NaN/±Infinity, anything else non-numeric → null. */
export function parseNumber(raw: string): number | null {
  const s = raw.trim();
  if (s === '') return null;
  const lower = s.toLowerCase();
  if (lower === 'nan' || lower === '-nan' || lower === '+nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  const n = Number(s);
  return Number.isNaN(n) ? null : n;
}

export const MAX_SERIES = 2000;
export const MAX_POINTS = 4_000_000;

/** Collects metric points; leaves out NaN/Inf (the catalog stores finite numbers) and says how many. */
export class SeriesSet {
  readonly series = new Map<string, MetricPoint[]>();
  private nonFinite = new Map<string, number>();
  private points = 0;
  private droppedKeys = 0;
  private droppedPoints = 0;

  add(key: string, step: number, wallMs: number | null, value: number): void {
    if (!Number.isFinite(value)) {
      this.nonFinite.set(key, (this.nonFinite.get(key) ?? 0) + 1);
      return;
    }
    let list = this.series.get(key);
    if (!list) {
      if (this.series.size >= MAX_SERIES) {
        this.droppedKeys++;
        return;
      }
      list = [];
      this.series.set(key, list);
    }
    if (this.points >= MAX_POINTS) {
      this.droppedPoints++;
      return;
    }
    this.points++;
    list.push({ step: Number.isFinite(step) ? step : 0, wallMs: wallMs !== null && Number.isFinite(wallMs) ? wallMs : null, value });
  }

  has(key: string): boolean {
    return this.series.has(key);
  }

  /** Sorted by step (then wall time), with warnings for what was left out. */
  finish(warnings: string[]): Record<string, MetricPoint[]> {
    const out: Record<string, MetricPoint[]> = {};
    const order = (a: MetricPoint, b: MetricPoint) => a.step - b.step || (a.wallMs ?? 0) - (b.wallMs ?? 0);
    for (const [k, list] of this.series) {
      // Logs are almost always written in order: an O(n) check spares sorting millions of points.
      let sorted = true;
      for (let i = 1; i < list.length && sorted; i++) sorted = order(list[i - 1] as MetricPoint, list[i] as MetricPoint) <= 0;
      if (!sorted) list.sort(order);
      out[k] = list;
    }
    for (const [k, n] of this.nonFinite) warnings.push(`${k}: ${n} non-finite value${n === 1 ? '' : 's'} (NaN or Inf) left out`);
    if (this.droppedKeys) warnings.push(`${this.droppedKeys} metrics beyond the first ${MAX_SERIES} were left out`);
    if (this.droppedPoints) warnings.push(`${this.droppedPoints} points beyond the first ${MAX_POINTS} were left out`);
    return out;
  }
}

// ---- CSV ----

export interface CsvTable {
  header: string[];
  rows: string[][];
  /** the text did not end with a newline: the last line may be partial */
  openLastLine: boolean;
}

/** Splits CSV/TSV text into records (quotes, doubled quotes, CRLF). Never throws. */
export function parseDelimited(src: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let i = 0;
  const n = src.length;
  while (i < n) {
    const c = src[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (src[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        inQuotes = false;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === '"' && field.trim() === '') {
      inQuotes = true;
      field = '';
      i++;
      continue;
    }
    if (c === delimiter) {
      row.push(field);
      field = '';
      i++;
      continue;
    }
    if (c === '\n' || c === '\r') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i += c === '\r' && src[i + 1] === '\n' ? 2 : 1;
      continue;
    }
    field += c;
    i++;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => !(r.length === 1 && r[0] === ''));
}

export function parseCsvTable(src: string, delimiter = ','): CsvTable {
  const all = parseDelimited(src, delimiter);
  const header = (all[0] ?? []).map((h) => h.trim());
  const openLastLine = src.length > 0 && !/[\r\n]$/.test(src);
  return { header, rows: all.slice(1), openLastLine };
}

// ---- YAML and JSON ----

export interface YamlResult {
  value: unknown;
  /** unknown tags (!!python/object…) and other complaints, as plain sentences */
  warnings: string[];
}

/** YAML as data: tags are never constructed, aliases capped, nothing is printed. Never throws. */
export function parseYamlSafe(src: string, what: string): YamlResult {
  const warnings: string[] = [];
  try {
    const doc = parseDocument(src, { logLevel: 'silent', prettyErrors: false, uniqueKeys: false });
    for (const w of doc.warnings.slice(0, 5)) {
      const tag = /Unresolved tag: tag:yaml\.org,2002:(\S+)/.exec(w.message);
      warnings.push(tag ? `${what}: tag !!${clip(tag[1] as string, 120)} kept as plain data (never constructed)` : `${what}: ${errorText(w)}`);
    }
    if (doc.errors.length > 0) {
      warnings.push(`${what} could not be parsed: ${errorText(doc.errors[0])}`);
      return { value: null, warnings };
    }
    return { value: doc.toJS({ maxAliasCount: 100 }), warnings };
  } catch (err) {
    warnings.push(`${what} could not be parsed: ${errorText(err)}`);
    return { value: null, warnings };
  }
}

export function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** A value as a param string: scalars as they read, objects/arrays as compact JSON (clipped). */
export function paramString(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'string') return clip(v, 8000);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v instanceof Date) return v.toISOString();
  try {
    return clip(JSON.stringify(v) ?? String(v), 8000);
  } catch {
    return '[unserialisable]';
  }
}

/** Nested maps → dotted keys ({optimizer: {lr: 1}} → optimizer.lr = "1"); lists stay whole. */
export function flattenParams(value: unknown, out: Record<string, string>, prefix = '', depth = 0, max = 2000): void {
  const rec = asRecord(value);
  if (!rec || depth > 6) {
    if (prefix && Object.keys(out).length < max) out[prefix] = paramString(value);
    return;
  }
  for (const [k, v] of Object.entries(rec)) {
    if (Object.keys(out).length >= max) return;
    const key = prefix ? `${prefix}.${k}` : k;
    if (asRecord(v) && Object.keys(v as object).length > 0) flattenParams(v, out, key, depth + 1, max);
    else out[key] = paramString(v);
  }
}

// ---- paths and names ----

export function parentOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '' : path.slice(0, i);
}

export function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}

export function joinRel(dir: string, name: string): string {
  return dir === '' ? name : `${dir}/${name}`;
}

/** Resolves `rel` against `dir` ('..' allowed); null when it climbs above the source root or is absolute. */
export function resolveRel(dir: string, rel: string): string | null {
  if (rel.startsWith('/') || /^[a-z]+:/i.test(rel) || rel.includes('\\')) return null;
  const parts = dir === '' ? [] : dir.split('/');
  for (const p of rel.split('/')) {
    if (p === '' || p === '.') continue;
    if (p === '..') {
      if (parts.length === 0) return null;
      parts.pop();
    } else parts.push(p);
  }
  return parts.join('/');
}

const GENERIC_RUN_DIR = /^(version_\d+|train|training|validation|valid|val|eval|test|logs?|tb_logs|tensorboard|runs?|dvclive|output|outputs|\d+|[0-9]{8}[-_T]?[0-9]{4,6}.*)$/i;

/**
 * A readable run name from its folder: generic folder names (version_3, train, logs, dvclive) take
 * the nearest meaningful folder above them in front; Lightning's lightning_logs level is left out.
 */
export function runName(path: string): string {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return 'run';
  const out: string[] = [];
  for (let i = parts.length - 1; i >= 0 && out.length < 4; i--) {
    const p = parts[i] as string;
    if (p === 'lightning_logs') continue;
    out.unshift(p);
    if (!GENERIC_RUN_DIR.test(p)) break;
  }
  return out.join('/');
}

/**
 * Python's json module writes NaN, Infinity and -Infinity as bare words, which JSON.parse rejects.
 * Outside strings they become the strings "NaN", "Infinity", "-Infinity" (parseNumber reads them).
 */
export function parsePythonJson(src: string): unknown {
  try {
    return JSON.parse(src);
  } catch (first) {
    if (!/NaN|Infinity/.test(src)) throw first;
  }
  let out = '';
  let last = 0;
  let inString = false;
  for (let i = 0; i < src.length; i++) {
    const c = src.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
      continue;
    }
    if (c === 0x22) {
      inString = true;
      continue;
    }
    for (const word of ['-Infinity', 'Infinity', 'NaN']) {
      if (src.startsWith(word, i)) {
        out += `${src.slice(last, i)}"${word}"`;
        i += word.length - 1;
        last = i + 1;
        break;
      }
    }
  }
  out += src.slice(last);
  return JSON.parse(out);
}
