// Keras 3 `.keras` archives: a zip with metadata.json {keras_version, date_saved}, config.json
// {module, class_name, config{name, layers}, build_config, compile_config} and model.weights.h5.
// Only the two JSON entries are read (capped); the weights are sized from the directory.
import { clip, decodeUtf8 } from './bytes';
import type { RangeSource } from './range-source';
import { readHdf5 } from './hdf5';
import { type FormatInfo, FormatError } from './types';
import { readZipDirectory, readZipEntry } from './zip';

const JSON_CAP = 8 * 1024 * 1024;

function obj(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export async function readKeras(src: RangeSource): Promise<FormatInfo> {
  const head = await src.read(0, Math.min(4, src.size));
  if (!(head[0] === 0x50 && head[1] === 0x4b)) {
    if (head[0] === 0x89 && head[1] === 0x48 && head[2] === 0x44 && head[3] === 0x46) return readHdf5(src); // legacy Keras saved as HDF5
    throw new FormatError('not a zip archive: not a Keras 3 .keras file');
  }
  const dir = await readZipDirectory(src, { maxEntries: 10_000 });
  const warnings: string[] = [];
  const entry = (name: string) => dir.entries.find((e) => e.name === name);
  const metaEntry = entry('metadata.json');
  const configEntry = entry('config.json');
  if (!metaEntry && !configEntry) throw new FormatError('zip has neither metadata.json nor config.json: not a Keras archive');
  const metadata: Record<string, unknown> = {};
  const readJson = async (e: NonNullable<typeof metaEntry>): Promise<Record<string, unknown> | null> => {
    try {
      return obj(JSON.parse(decodeUtf8(await readZipEntry(src, e, JSON_CAP))));
    } catch (err) {
      warnings.push(`${e.name} could not be read (${err instanceof Error ? err.message : String(err)})`);
      return null;
    }
  };
  if (metaEntry) {
    const m = await readJson(metaEntry);
    if (typeof m?.keras_version === 'string') metadata.kerasVersion = clip(m.keras_version, 50);
    if (typeof m?.date_saved === 'string') metadata.dateSaved = clip(m.date_saved, 50);
  }
  if (configEntry) {
    const c = await readJson(configEntry);
    if (c) {
      if (typeof c.class_name === 'string') metadata.className = clip(c.class_name, 200);
      if (typeof c.module === 'string') metadata.module = clip(c.module, 200);
      const cfg = obj(c.config);
      if (typeof cfg?.name === 'string') metadata.modelName = clip(cfg.name, 200);
      if (Array.isArray(cfg?.layers)) {
        metadata.layers = cfg.layers.length;
        const classes: Record<string, number> = {};
        for (const l of cfg.layers.slice(0, 10_000)) {
          const name = obj(l)?.class_name;
          if (typeof name === 'string' && (name in classes || Object.keys(classes).length < 100)) classes[name] = (classes[name] ?? 0) + 1;
        }
        metadata.layerClasses = classes;
      }
      const compile = obj(c.compile_config);
      if (compile) {
        const opt = obj(compile.optimizer);
        const optName = typeof compile.optimizer === 'string' ? compile.optimizer : opt?.class_name ?? obj(opt?.config)?.name;
        if (typeof optName === 'string') metadata.optimizer = clip(optName, 100);
        if (typeof compile.loss === 'string') metadata.loss = clip(compile.loss, 200);
      }
      const build = obj(c.build_config);
      if (build?.input_shape !== undefined) metadata.inputShape = build.input_shape;
    }
  }
  const weights = dir.entries.filter((e) => /\.(h5|npz)$/.test(e.name));
  metadata.weightsBytes = weights.reduce((n, e) => n + e.size, 0);
  metadata.entries = dir.entries.slice(0, 50).map((e) => e.name);
  return { format: 'keras', kind: 'model', metadata, warnings };
}
