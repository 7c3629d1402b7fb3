// Lineage that the files themselves declare: a model card's base_model and datasets, a PEFT
// adapter's base model, a GGUF file's general.base_model.*, a config.json's _name_or_path. Pure:
// it sees the grouped items (with the metadata readers and sidecar parsers put on each version)
// and returns edges between references that the catalog resolves to ids.
import type { LineageRelation } from '../../../shared/contract';
import type { GroupedItem } from '../catalog/catalog';

export type RefHint =
  | { kind: 'item'; itemKind: 'model' | 'dataset'; itemPath: string }
  | { kind: 'version'; itemKind: 'model' | 'dataset'; itemPath: string; label: string }
  | { kind: 'run'; path: string }
  | { kind: 'path'; path: string }
  | { kind: 'external'; name: string };

export interface EdgeHint {
  from: RefHint;
  to: RefHint;
  relation: LineageRelation;
  evidence: string;
  /** 1 = written down by a tool or a person; lower = inferred. */
  confidence: number;
}

const CARD_RELATION: Record<string, LineageRelation> = {
  finetune: 'fine-tuned-from',
  adapter: 'adapter-of',
  quantized: 'quantized-from',
  merge: 'merged-from',
};

function strings(v: unknown): string[] {
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string' && x.trim() !== '').map((x) => x.trim());
  return [];
}

function obj(v: unknown): Record<string, unknown> | null {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

/** Short name of a hub id or path: "google-bert/bert-base-uncased" → "bert-base-uncased". */
export function shortName(name: string): string {
  const parts = name.replace(/\/+$/, '').split('/');
  return (parts[parts.length - 1] ?? name).toLowerCase();
}

/** Finds an item on the same source by name (or short hub name); else an external reference. */
function refByName(items: GroupedItem[], name: string, kind: 'model' | 'dataset'): RefHint {
  const wanted = shortName(name);
  const full = name.trim().toLowerCase();
  // Hub-cache items carry the full "org/name"; folder items usually just "name".
  const hit = items.find((i) => i.kind === kind && (i.name.toLowerCase() === full || i.name.toLowerCase() === wanted));
  return hit ? { kind: 'item', itemKind: hit.kind, itemPath: hit.path } : { kind: 'external', name };
}

export function lineageFromItems(items: GroupedItem[]): EdgeHint[] {
  const edges: EdgeHint[] = [];
  for (const item of items) {
    for (const v of item.versions) {
      const self: RefHint = { kind: 'version', itemKind: item.kind, itemPath: item.path, label: v.label };
      const card = obj(v.meta.card);
      const config = obj(v.meta.config);
      const adapter = obj(v.meta.adapter);
      if (card) {
        const relation = CARD_RELATION[String(card.base_model_relation ?? '').toLowerCase()] ?? 'fine-tuned-from';
        for (const base of strings(card.base_model)) {
          edges.push({ from: refByName(items, base, 'model'), to: self, relation, evidence: 'model card base_model', confidence: 1 });
        }
        for (const ds of strings(card.datasets)) {
          edges.push({ from: refByName(items, ds, 'dataset'), to: self, relation: 'trained-on', evidence: 'model card datasets', confidence: 1 });
        }
      }
      const adapterBase = adapter?.base_model_name_or_path;
      if (typeof adapterBase === 'string' && adapterBase.trim()) {
        edges.push({ from: refByName(items, adapterBase, 'model'), to: self, relation: 'adapter-of', evidence: 'adapter_config.json', confidence: 1 });
      }
      const nameOrPath = config?._name_or_path;
      if (
        typeof nameOrPath === 'string' &&
        /^[\w.-]+\/[\w.-]+$/.test(nameOrPath) &&
        shortName(nameOrPath) !== item.name.toLowerCase() &&
        !edges.some((e) => e.to === self && e.relation !== 'trained-on')
      ) {
        edges.push({ from: refByName(items, nameOrPath, 'model'), to: self, relation: 'fine-tuned-from', evidence: 'config.json _name_or_path', confidence: 0.6 });
      }
      const bases = Array.isArray(v.meta.baseModels) ? (v.meta.baseModels as unknown[]) : [];
      for (const b of bases) {
        const base = obj(b);
        const name = typeof base?.repoUrl === 'string' ? base.repoUrl.replace(/^https?:\/\/[^/]+\//, '') : typeof base?.name === 'string' ? base.name : null;
        if (!name) continue;
        const relation = item.format === 'gguf' ? 'quantized-from' : 'derived-from';
        edges.push({ from: refByName(items, name, 'model'), to: self, relation, evidence: 'GGUF general.base_model', confidence: 1 });
      }
    }
  }
  // The same edge can be declared twice (card and adapter config): keep the first.
  const seen = new Set<string>();
  return edges.filter((e) => {
    const key = `${JSON.stringify(e.from)}|${JSON.stringify(e.to)}|${e.relation}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
