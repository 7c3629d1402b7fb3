// JSON files that are models or datasets: XGBoost models saved as JSON ({"learner": …, "version":
// [2,1,0]}) and COCO annotations ({images, annotations, categories}). Detected from the top-level keys;
// COCO files up to COUNT_CAP are stream-counted (never parsed whole), larger ones only detected.
// Anything else is NotThisFormat (the registry then reports nothing for the file).
import { clip, decodeUtf8, readExact } from './bytes';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError, NotThisFormat } from './types';

export const COCO_COUNT_CAP = 4 * 1024 * 1024 - 128 * 1024;
const HEAD = 64 * 1024;
const TAIL = 64 * 1024;
const COCO_ARRAYS = ['images', 'annotations', 'categories'];
const ELEMENT_CAPTURE = 4096;

/**
 * A single-pass structural scanner: top-level keys, element counts of top-level arrays, the raw text
 * of small elements of chosen arrays and of chosen top-level values. Bytes above 0x7F are never
 * structural in UTF-8, so scanning bytes is safe.
 */
class JsonScan {
  keys: string[] = [];
  counts: Record<string, number> = {};
  captured: Record<string, string[]> = {};
  values: Record<string, string> = {};
  private depth = 0;
  private inString = false;
  private escape = false;
  private strStart = -1;
  private expectKey = false;
  private lastString = '';
  private currentKey = '';
  private arrayKey: string | null = null;
  private expectElement = false;
  private elemStart = -1;
  private valueStart = -1;
  error: string | null = null;

  constructor(
    private readonly captureArrays: Set<string>,
    private readonly captureValues: Set<string>,
  ) {}

  feed(b: Uint8Array): void {
    for (let i = 0; i < b.length && this.error === null; i++) {
      const c = b[i] as number;
      if (this.inString) {
        if (this.escape) this.escape = false;
        else if (c === 0x5c) this.escape = true;
        else if (c === 0x22) {
          this.inString = false;
          if (this.depth === 1 && this.strStart >= 0) this.lastString = decodeUtf8(b.subarray(this.strStart, i));
        }
        continue;
      }
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) continue;
      if (this.depth === 2 && this.arrayKey !== null && this.expectElement && c !== 0x5d) {
        this.counts[this.arrayKey] = (this.counts[this.arrayKey] ?? 0) + 1;
        this.expectElement = false;
        if (this.captureArrays.has(this.arrayKey)) this.elemStart = i;
      }
      switch (c) {
        case 0x22:
          this.inString = true;
          this.strStart = this.depth === 1 ? i + 1 : -1;
          break;
        case 0x7b:
        case 0x5b:
          this.depth++;
          if (this.depth === 1 && c !== 0x7b) this.error = 'not a JSON object';
          if (this.depth === 1) this.expectKey = true;
          if (this.depth === 2) {
            if (this.captureValues.has(this.currentKey)) this.valueStart = i;
            if (c === 0x5b) {
              this.arrayKey = this.currentKey;
              this.counts[this.currentKey] = 0;
              this.expectElement = true;
            }
          }
          break;
        case 0x7d:
        case 0x5d:
          if (this.depth === 3 && this.elemStart >= 0) this.capture(b, i + 1);
          if (this.depth === 2) {
            if (this.valueStart >= 0 && this.valueStart < i) {
              const text = decodeUtf8(b.subarray(this.valueStart, i + 1));
              if (text.length <= 64 * 1024) this.values[this.currentKey] = text;
            }
            this.valueStart = -1;
            this.arrayKey = null;
          }
          this.depth--;
          if (this.depth < 0) this.error = 'unbalanced brackets';
          break;
        case 0x3a:
          if (this.depth === 1 && this.expectKey) {
            this.currentKey = this.lastString;
            if (this.keys.length < 1000) this.keys.push(this.lastString);
            this.expectKey = false;
          }
          break;
        case 0x2c:
          if (this.depth === 1) this.expectKey = true;
          else if (this.depth === 2 && this.arrayKey !== null) {
            this.expectElement = true;
            this.elemStart = -1;
          }
          break;
      }
    }
  }

  private capture(b: Uint8Array, end: number): void {
    const key = this.arrayKey as string;
    if (!this.captured[key]) this.captured[key] = [];
    const list = this.captured[key] as string[];
    if (list.length < 1000 && end - this.elemStart <= ELEMENT_CAPTURE) list.push(decodeUtf8(b.subarray(this.elemStart, end)));
    this.elemStart = -1;
  }

  get complete(): boolean {
    return this.depth === 0 && !this.inString && this.keys.length > 0;
  }
}

function firstNonSpace(b: Uint8Array): number {
  let i = b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x0a || b[i] === 0x0d || b[i] === 0x09)) i++;
  return b[i] ?? -1;
}

export async function readJsonModelOrDataset(src: RangeSource): Promise<FormatInfo> {
  if (src.size < 2) throw new NotThisFormat('empty JSON file');
  const whole = src.size <= COCO_COUNT_CAP;
  const head = await readExact(src, 0, whole ? src.size : HEAD, 'JSON');
  if (firstNonSpace(head) !== 0x7b) throw new NotThisFormat('not a JSON object');
  const scan = new JsonScan(new Set(['categories']), new Set(['info']));
  scan.feed(head);
  const keys = new Set(scan.keys);
  if (keys.has('learner')) return xgboost(src, head, whole);
  const coco = keys.has('images') && (keys.has('annotations') || keys.has('categories') || (!whole && /"file_name"\s*:/.test(decodeUtf8(head.subarray(0, 16384)))));
  if (!coco) throw new NotThisFormat('JSON without the keys of a model or dataset we know');
  const metadata: Record<string, unknown> = { task: 'coco' };
  const warnings: string[] = [];
  if (whole && scan.complete && scan.error === null) {
    for (const k of COCO_ARRAYS) if (scan.counts[k] !== undefined) metadata[k] = scan.counts[k];
    const names: string[] = [];
    const supers = new Set<string>();
    for (const raw of scan.captured.categories ?? []) {
      try {
        const cat = JSON.parse(raw) as { name?: unknown; supercategory?: unknown };
        if (typeof cat.name === 'string') names.push(clip(cat.name, 100));
        if (typeof cat.supercategory === 'string') supers.add(clip(cat.supercategory, 100));
      } catch {
        // an element that is not an object: counted, not named
      }
    }
    if (names.length) metadata.classes = names;
    if (supers.size) metadata.supercategories = [...supers].slice(0, 100);
    if (scan.counts.annotations !== undefined && scan.counts.images) metadata.annotationsPerImage = Math.round((scan.counts.annotations / scan.counts.images) * 100) / 100;
  } else if (whole) {
    throw new FormatError(`COCO file is malformed or truncated (${scan.error ?? 'unbalanced'})`);
  } else {
    warnings.push(`file is larger than ${Math.round(COCO_COUNT_CAP / 1048576)} MiB: images and annotations were not counted`);
  }
  const info = scan.values.info;
  if (info) {
    try {
      const i = JSON.parse(info) as Record<string, unknown>;
      for (const k of ['description', 'version', 'year', 'contributor']) if (typeof i[k] === 'string' || typeof i[k] === 'number') metadata[k] = typeof i[k] === 'string' ? clip(i[k] as string, 300) : i[k];
    } catch {
      // info that does not parse is left out
    }
  }
  return { format: 'coco', kind: 'dataset', metadata, warnings };
}

async function xgboost(src: RangeSource, head: Uint8Array, whole: boolean): Promise<FormatInfo> {
  const headText = decodeUtf8(head.subarray(0, Math.min(head.length, HEAD)));
  const tailText = whole ? decodeUtf8(head.subarray(Math.max(0, head.length - TAIL))) : decodeUtf8(await readExact(src, src.size - Math.min(src.size - head.length, TAIL), Math.min(src.size - head.length, TAIL), 'tail'));
  const both = `${headText}\n${tailText}`;
  const metadata: Record<string, unknown> = {};
  const version = /"version"\s*:\s*\[\s*(\d+)\s*,\s*(\d+)\s*,\s*(\d+)\s*\]\s*\}\s*$/.exec(tailText.trimEnd());
  if (version) metadata.xgboostVersion = `${version[1]}.${version[2]}.${version[3]}`;
  const trees = /"num_trees"\s*:\s*"(\d+)"/.exec(both);
  if (trees) metadata.trees = Number(trees[1]);
  const booster = /"gradient_booster"\s*:\s*\{[\s\S]*?"name"\s*:\s*"(gbtree|gblinear|dart)"/.exec(both);
  if (booster) metadata.booster = booster[1];
  const lmp = /"learner_model_param"\s*:\s*(\{[^{}]*\})/.exec(both);
  if (lmp) {
    try {
      const p = JSON.parse(lmp[1] as string) as Record<string, string>;
      if (p.num_feature !== undefined) metadata.features = Number(p.num_feature);
      if (p.num_class !== undefined) metadata.classes = Number(p.num_class);
      if (p.base_score !== undefined) metadata.baseScore = clip(String(p.base_score), 50);
    } catch {
      // left out
    }
  }
  const objective = /"objective"\s*:\s*\{\s*"name"\s*:\s*"([^"]{1,100})"/.exec(both);
  if (objective) metadata.objective = objective[1];
  if (!version && !trees && !lmp) throw new NotThisFormat('has a "learner" key but nothing else of an XGBoost model');
  return { format: 'xgboost', kind: 'model', metadata, warnings: [] };
}
