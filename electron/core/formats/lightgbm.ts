// LightGBM text models (`booster.save_model('model.txt')`): a header of `key=value` lines starting
// with "tree" (version, num_class, objective, feature_names, tree_sizes → tree count), the trees, then
// a tail `parameters:` block of `[key: value]` lines. One head read and one tail read.
import { clip, decodeUtf8, readExact } from './bytes';
import type { RangeSource } from './range-source';
import { type FormatInfo, NotThisFormat } from './types';

const HEAD = 64 * 1024;
const TAIL = 64 * 1024;

export async function readLightgbm(src: RangeSource): Promise<FormatInfo> {
  const head = decodeUtf8(await readExact(src, 0, Math.min(src.size, HEAD), 'header'));
  if (!/^tree\r?\n/.test(head)) throw new NotThisFormat('does not start with "tree": not a LightGBM model');
  const metadata: Record<string, unknown> = {};
  const warnings: string[] = [];
  const lines = head.split(/\r?\n/);
  const complete = src.size <= HEAD;
  for (const line of lines.slice(1, 200)) {
    if (line === '' || line.startsWith('Tree=')) break;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case 'version': metadata.version = clip(value, 20); break;
      case 'num_class': metadata.classes = Number(value); break;
      case 'num_tree_per_iteration': metadata.treesPerIteration = Number(value); break;
      case 'max_feature_idx': metadata.features = Number(value) + 1; break;
      case 'objective': metadata.objective = clip(value, 200); break;
      case 'feature_names': {
        const names = value.split(' ').filter(Boolean);
        metadata.featureNames = names.slice(0, 200).map((n) => clip(n, 100));
        break;
      }
      case 'tree_sizes': metadata.trees = value.split(' ').filter(Boolean).length; break;
    }
  }
  if (metadata.version === undefined && metadata.trees === undefined) throw new NotThisFormat('no LightGBM header fields');
  if (metadata.trees === undefined) {
    // Old files have no tree_sizes: count "Tree=" lines when the whole file was read.
    if (complete) metadata.trees = lines.filter((l) => l.startsWith('Tree=')).length;
    else warnings.push('tree count unknown (no tree_sizes line)');
  }
  const tail = complete ? head : decodeUtf8(await readExact(src, src.size - Math.min(TAIL, src.size - HEAD), Math.min(TAIL, src.size - HEAD), 'tail'));
  const p = tail.indexOf('parameters:');
  if (p >= 0) {
    const params: Record<string, string> = {};
    for (const line of tail.slice(p).split(/\r?\n/).slice(1, 400)) {
      if (line.startsWith('end of parameters')) break;
      const m = /^\[([^:\]]+):\s?(.*)\]$/.exec(line);
      if (m && Object.keys(params).length < 200) params[m[1] as string] = clip(m[2] as string, 500);
    }
    metadata.parameters = params;
    if (params.boosting) metadata.boosting = params.boosting;
  }
  return { format: 'lightgbm', kind: 'model', metadata, warnings };
}
