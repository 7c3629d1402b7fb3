// Where this item came from and what was made from it: datasets, training runs, base models,
// versions and exports, as a graph read left to right. Empty until a tool wrote the links down.
import { useShallow } from 'zustand/react/shallow';
import type { ItemDetail, LineageNode, LineageRelation } from '../../../shared/contract';
import { KIND_LABEL, LineageGraph } from '../../components/LineageGraph';
import { useApp, useEngine } from '../../state/hooks';

const RELATION_WORDS: Record<LineageRelation, string> = {
  'trained-on': 'used for training',
  'produced-by': 'produced it',
  'fine-tuned-from': 'fine-tuned into it',
  'adapter-of': 'adapter of it',
  'quantized-from': 'quantized into it',
  'merged-from': 'merged into it',
  'exported-as': 'exported as it',
  'derived-from': 'derived into it',
};

export const LINEAGE_EMPTY = 'No lineage found for this';

export function LineageTab({ item }: { item: ItemDetail }) {
  const { navigate, openVersion } = useApp(useShallow((s) => ({ navigate: s.navigate, openVersion: s.openVersion })));
  const query = useEngine('library.lineage', { itemId: item.id, depth: 3 });
  const graph = query.data;
  const noun = item.kind === 'model' ? 'model' : 'dataset';

  function open(node: LineageNode) {
    if (node.kind === 'run' && node.runId) navigate({ view: 'runs', runId: node.runId });
    else if (node.kind === 'version' && node.itemId && node.versionId) openVersion(item.kind, node.itemId, node.versionId);
    else if ((node.kind === 'model' || node.kind === 'dataset') && node.itemId) navigate({ view: 'item', kind: node.kind, id: node.itemId });
  }

  const labelOf = (id: string) => graph?.nodes.find((n) => n.id === id)?.label ?? id;

  if (query.error) {
    return (
      <div className="banner error" role="alert">
        Could not load the lineage: {query.error.message}{' '}
        <button type="button" className="button small" onClick={query.reload}>
          Try again
        </button>
      </div>
    );
  }
  if (!graph) {
    return (
      <div className="panel lineage-loading" aria-busy="true">
        <span className="spinner" aria-hidden="true" /> Tracing where this {noun} came from…
      </div>
    );
  }
  // The item and its own versions alone are not lineage yet.
  const linked = graph.edges.some((e) => e.relation !== 'derived-from' || !e.evidence.startsWith('version of'));
  if (graph.nodes.length <= 1 || !linked) {
    return (
      <section className="panel empty-panel" data-testid="lineage-empty">
        <h2>
          {LINEAGE_EMPTY} {noun} yet
        </h2>
        <p>
          Modelshelf links a {noun} to the datasets, training runs and base models it came from when a tool wrote
          that down: an MLflow run, a model card’s <span className="mono">base_model</span>, a PEFT adapter, a{' '}
          <span className="mono">dvc.lock</span> file.
        </p>
        <p className="muted">Nothing like that was found next to {item.name}. Links appear here on their own after the next index.</p>
        <p data-testid="lineage-empty-next">
          You can also write it down yourself: on the Overview tab, pick a version and fill in “Where it came from”.
        </p>
      </section>
    );
  }
  return (
    <section className="lineage" aria-label="Lineage">
      <div className="lineage-legend muted">
        {(['dataset', 'run', 'model', 'version', 'external'] as const).map((kind) => (
          <span key={kind} className={`lineage-key kind-${kind}`}>
            {KIND_LABEL[kind]}
          </span>
        ))}
        <span className="lineage-hint">Hover an arrow to see which file said so; click a box to open it.</span>
      </div>
      <LineageGraph graph={graph} focusId={`item:${item.id}`} onOpen={open} />
      <details className="lineage-list">
        <summary>Everything in this graph, as a list ({graph.nodes.length})</summary>
        <ul className="lineage-links">
          {graph.edges
            .filter((e) => e.relation !== 'derived-from' || !e.evidence.startsWith('version of'))
            .map((e) => (
              <li key={`${e.from}>${e.to}:${e.relation}`}>
                {labelOf(e.from)} → {labelOf(e.to)}: {RELATION_WORDS[e.relation]} <span className="muted">({e.evidence})</span>
              </li>
            ))}
        </ul>
        <ul>
          {graph.nodes.map((n) => (
            <li key={n.id}>
              <span className="muted">{KIND_LABEL[n.kind]}:</span>{' '}
              {n.kind === 'external' ? (
                n.label
              ) : (
                <button type="button" className="link-button" onClick={() => open(n)}>
                  {n.label}
                </button>
              )}
            </li>
          ))}
        </ul>
      </details>
    </section>
  );
}
