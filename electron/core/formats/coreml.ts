// Core ML `.mlmodel`: protobuf Model {1 specificationVersion, 2 description, 10 isUpdatable, 200+ the
// model type (a oneof: its field number names the kind)}. ModelDescription {1 input, 10 output,
// 11 predictedFeatureName, 100 metadata {1 shortDescription, 2 versionString, 3 author, 4 license,
// 100 userDefined map}}. The weights sit in the type field, which is jumped over, never read.
import { SourceCursor, clip } from './bytes';
import { cursorField, pbFields, pbString } from './protobuf';
import type { RangeSource } from './range-source';
import { type FormatInfo, FormatError } from './types';

const DESCRIPTION_CAP = 4 * 1024 * 1024;

const MODEL_TYPES: Record<number, string> = {
  200: 'pipelineClassifier', 201: 'pipelineRegressor', 202: 'pipeline', 300: 'glmRegressor',
  301: 'supportVectorRegressor', 302: 'treeEnsembleRegressor', 303: 'neuralNetworkRegressor',
  304: 'bayesianProbitRegressor', 400: 'glmClassifier', 401: 'supportVectorClassifier',
  402: 'treeEnsembleClassifier', 403: 'neuralNetworkClassifier', 404: 'kNearestNeighborsClassifier',
  500: 'neuralNetwork', 501: 'itemSimilarityRecommender', 502: 'mlProgram', 555: 'customModel',
  556: 'linkedModel', 560: 'classConfidenceThresholding', 600: 'oneHotEncoder', 601: 'imputer',
  602: 'featureVectorizer', 603: 'dictVectorizer', 604: 'scaler', 606: 'categoricalMapping',
  607: 'normalizer', 609: 'arrayFeatureExtractor', 610: 'nonMaximumSuppression', 900: 'identity',
  2000: 'textClassifier', 2001: 'wordTagger', 2002: 'visionFeaturePrint', 2003: 'soundAnalysisPreprocessing',
  2004: 'gazetteer', 2005: 'wordEmbedding', 2006: 'audioFeaturePrint', 3000: 'serializedModel',
};

function featureNames(bytes: Uint8Array): string {
  for (const f of pbFields(bytes, 1000)) if (f.field === 1 && f.wire === 2) return clip(pbString(f.bytes), 200);
  return '';
}

export async function readCoreml(src: RangeSource): Promise<FormatInfo> {
  if (src.size < 2) throw new FormatError('file is too small to be a Core ML model');
  const c = new SourceCursor(src, 0, Math.min(src.size, 64 * 1024), 4096);
  const metadata: Record<string, unknown> = {};
  let seen = false;
  for (let n = 0; c.pos < src.size && n < 10_000; n++) {
    const h = await cursorField(c);
    if (h.field === 1 && h.wire === 0) {
      metadata.specificationVersion = h.num;
      seen = true;
    } else if (h.field === 10 && h.wire === 0) metadata.isUpdatable = h.num !== 0;
    else if (h.field === 2 && h.wire === 2) {
      if (h.num > DESCRIPTION_CAP) throw new FormatError('model description is larger than the read limit');
      describe(await c.readBytes(h.num, 'description'), metadata);
      seen = true;
    } else if (h.wire === 2) {
      if (MODEL_TYPES[h.field] || h.field >= 200) {
        metadata.modelType = MODEL_TYPES[h.field] ?? `type${h.field}`;
        metadata.modelBytes = h.num;
        break; // the model type is the last field writers emit; nothing useful follows
      }
      c.skip(h.num, `field ${h.field}`);
    }
  }
  if (!seen || metadata.specificationVersion === undefined) throw new FormatError('no specificationVersion: not a Core ML model');
  return { format: 'coreml', kind: 'model', metadata, warnings: [] };
}

function describe(bytes: Uint8Array, out: Record<string, unknown>): void {
  const inputs: string[] = [];
  const outputs: string[] = [];
  for (const f of pbFields(bytes, 100_000)) {
    if (f.wire !== 2) continue;
    if (f.field === 1 && inputs.length < 50) inputs.push(featureNames(f.bytes));
    else if (f.field === 10 && outputs.length < 50) outputs.push(featureNames(f.bytes));
    else if (f.field === 11) out.predictedFeatureName = clip(pbString(f.bytes), 200);
    else if (f.field === 100) {
      const user: Record<string, string> = {};
      for (const m of pbFields(f.bytes, 10_000)) {
        if (m.wire !== 2) continue;
        if (m.field === 1) out.shortDescription = clip(pbString(m.bytes), 1000);
        else if (m.field === 2) out.versionString = clip(pbString(m.bytes), 100);
        else if (m.field === 3) out.author = clip(pbString(m.bytes), 200);
        else if (m.field === 4) out.license = clip(pbString(m.bytes), 500);
        else if (m.field === 100 && Object.keys(user).length < 100) {
          let k = '';
          let v = '';
          for (const e of pbFields(m.bytes, 10)) {
            if (e.field === 1 && e.wire === 2) k = clip(pbString(e.bytes), 200);
            else if (e.field === 2 && e.wire === 2) v = clip(pbString(e.bytes), 2000);
          }
          if (k) user[k] = v;
        }
      }
      if (Object.keys(user).length) out.userDefined = user;
    }
  }
  out.inputs = inputs;
  out.outputs = outputs;
}
