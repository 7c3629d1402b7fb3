// CSV/TSV tables: header columns, a type guess per column from the first rows, and the row count —
// exact (a quote-aware pass) for files up to 4 MiB, otherwise estimated from a 256 KiB head sample and
// flagged `rowsEstimated: true` (shown as "~" in the app).
import { clip, decodeUtf8, readExact } from './bytes';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

export const CSV_EXACT_LIMIT = 4 * 1024 * 1024;
const HEAD_SAMPLE = 256 * 1024;
const TYPE_SAMPLE_ROWS = 200;

/** Splits into records (quote-aware); returns records and the byte length of the complete ones. */
function records(text: string, delimiter: string, max = Number.POSITIVE_INFINITY): { rows: string[][]; completeChars: number; count: number } {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let inQuotes = false;
  let count = 0;
  let completeChars = 0;
  let nonEmpty = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else inQuotes = false;
      } else field += c;
      continue;
    }
    if (c === '"' && field === '') {
      inQuotes = true;
      nonEmpty = true;
    } else if (c === delimiter) {
      row.push(field);
      field = '';
      nonEmpty = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      if (nonEmpty || field !== '') {
        row.push(field);
        count++;
        if (rows.length < max) rows.push(row);
      }
      row = [];
      field = '';
      nonEmpty = false;
      completeChars = i + 1;
    } else {
      field += c;
      nonEmpty = true;
    }
  }
  return { rows, completeChars, count };
}

function detectDelimiter(firstLine: string, isTsv: boolean): string {
  if (isTsv) return '\t';
  let best = ',';
  let bestCount = 0;
  for (const d of [',', '\t', ';', '|']) {
    const n = firstLine.split(d).length - 1;
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

function typeOf(values: string[]): string {
  let ints = 0;
  let floats = 0;
  let bools = 0;
  let seen = 0;
  for (const raw of values) {
    const v = raw.trim();
    if (v === '') continue;
    seen++;
    if (/^[-+]?\d+$/.test(v)) ints++;
    // `\d+(\.\d*)?`, not `\d+\.?\d*`: the latter backtracks quadratically on a long run of digits
    // that does not end like a number (40,000 digits took 8.5 s).
    else if (/^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/.test(v) || /^(nan|inf|-inf)$/i.test(v)) floats++;
    else if (/^(true|false)$/i.test(v)) bools++;
  }
  if (seen === 0) return 'null';
  if (ints === seen) return 'int64';
  if (ints + floats === seen) return 'double';
  if (bools === seen) return 'bool';
  return 'string';
}

export async function readCsv(src: RangeSource, opts: { tsv?: boolean } = {}): Promise<FormatInfo> {
  const warnings: string[] = [];
  const exact = src.size <= CSV_EXACT_LIMIT;
  const bytes = await readExact(src, 0, exact ? src.size : HEAD_SAMPLE, 'table');
  if (bytes.includes(0)) throw new FormatError('file holds NUL bytes: not a text table');
  let text = decodeUtf8(bytes);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nl = text.search(/\r?\n/);
  const firstLine = nl < 0 ? text : text.slice(0, nl);
  const delimiter = detectDelimiter(firstLine, opts.tsv === true);
  const { rows, completeChars, count } = records(exact ? `${text}\n` : text, delimiter, TYPE_SAMPLE_ROWS + 1);
  const header = (rows[0] ?? []).map((h) => clip(h.trim(), 200));
  const metadata: Record<string, unknown> = {
    delimiter: delimiter === '\t' ? 'tab' : delimiter,
    columns: header.length,
  };
  const sample = rows.slice(1);
  metadata.schema = header.slice(0, 1000).map((name, i) => ({ name, type: typeOf(sample.map((r) => r[i] ?? '')) }));
  if (header.length > 0 && header.every((h) => h !== '' && /^[-+]?[\d.]+$/.test(h))) {
    metadata.headerLooksNumeric = true;
    warnings.push('the first line looks like data, not column names');
  }
  if (exact) {
    metadata.rows = Math.max(0, count - 1);
  } else {
    const headerChars = nl < 0 ? 0 : nl + 1;
    const sampleRows = count - 1;
    if (sampleRows > 0 && completeChars > headerChars) {
      // Characters ≈ bytes for the ratio; the sample's own bytes per row scale to the file size.
      const ratio = bytes.length / Math.max(1, text.length);
      const perRow = ((completeChars - headerChars) * ratio) / sampleRows;
      metadata.rows = Math.round((src.size - headerChars * ratio) / perRow);
      metadata.rowsEstimated = true;
    } else warnings.push('no complete row in the first 256 KiB: row count unknown');
  }
  return { format: opts.tsv ? 'tsv' : 'csv', kind: 'dataset', metadata, warnings };
}
