// "churn-classifier@3", "churn@production", "sentiment-bert-small", "x@latest": how people name a
// model version on the command line. Resolution is by item name (case-insensitive), then version
// label, alias, or stage.
import type { ItemDetail, ItemKind } from '../../../shared/contract';
import type { Catalog } from '../catalog/catalog';
import { naturalKey } from '../catalog/natural-key';
import { EngineError } from '../errors';
import { AnnotationStore } from './annotations/store';

export function splitRef(ref: string): { name: string; version: string | null } {
  const at = ref.lastIndexOf('@');
  if (at <= 0) return { name: ref.trim(), version: null };
  return { name: ref.slice(0, at).trim(), version: ref.slice(at + 1).trim() || null };
}

/** The version `version` names by its label ("3", "v3", "latest"), if it does; not by alias or stage. */
export function versionByLabel(item: ItemDetail, version: string): ItemDetail['versions'][number] | undefined {
  const wanted = version.toLowerCase();
  return (
    (wanted === 'latest' ? item.versions[0] : undefined) ??
    item.versions.find((x) => x.label.toLowerCase() === wanted) ??
    item.versions.find((x) => x.label.toLowerCase() === `v${wanted}` || `v${x.label.toLowerCase()}` === wanted)
  );
}

export function resolveRef(catalog: Catalog, ref: string, kind?: ItemKind): { item: ItemDetail; versionId: number | null; versionLabel: string | null } {
  const { name, version } = splitRef(ref);
  if (name === '') throw new EngineError('INVALID_INPUT', `"${ref}" is not a model: write it as name or name@version.`);
  // Candidates by the indexed sort key (equal for names that differ only in case or leading zeros)
  // or by path; then the exact test. Not the whole list: that is seconds on a 100k-item catalog.
  const ids = catalog.db
    .prepare(
      `SELECT id FROM item WHERE kind IN ('model', 'dataset') AND name_key = ?
       UNION SELECT id FROM item WHERE path = ?`,
    )
    .pluck()
    .all(naturalKey(name), name) as number[];
  const byName = ids
    .flatMap((id) => catalog.listLibrary({ id, ...(kind ? { kind } : {}) }))
    .filter((i) => i.name.toLowerCase() === name.toLowerCase() || i.path === name)
    .sort((a, b) => a.id - b.id);
  // A model and a dataset may share a name (shelf-yolo the detector, shelf-yolo the data): prefer the model.
  const matches = byName.length > 1 ? byName.filter((i) => i.kind === 'model') : byName;
  if (matches.length === 0) throw new EngineError('NOT_FOUND', `No model or dataset is called "${name}". See: modelshelf ls`);
  if (matches.length > 1) {
    const where = matches.map((m) => `${m.sourceName}:${m.path}`).join(', ');
    throw new EngineError('CONFLICT', `"${name}" matches ${matches.length} items (${where}); use its path instead.`);
  }
  // With the team's aliases and stages from the share, not only the ones tools wrote.
  const item = new AnnotationStore(catalog.db).annotateItem(catalog.getItem((matches[0] as { id: number }).id) as ItemDetail);
  if (version === null) return { item, versionId: null, versionLabel: null };
  const wanted = version.toLowerCase();
  const v =
    versionByLabel(item, version) ??
    // The team's alias first: when MLflow's registry still says production is on 2 and the team
    // moved it to 1, "@production" is 1 (as for stages, where the team's wins in annotateItem).
    item.versions.find((x) => x.annotations?.some((a) => a.kind === 'alias' && a.origin === 'team' && a.value.toLowerCase() === wanted)) ??
    item.versions.find((x) => x.aliases.some((a) => a.toLowerCase() === wanted)) ??
    item.versions.find((x) => x.stage?.toLowerCase() === wanted);
  if (!v) {
    const known = item.versions.map((x) => x.label).join(', ');
    throw new EngineError('NOT_FOUND', `${item.name} has no version, alias or stage "${version}". Versions: ${known}.`);
  }
  return { item, versionId: v.id, versionLabel: v.label };
}
