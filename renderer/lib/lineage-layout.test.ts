import { describe, expect, it } from 'vitest';
import type { LineageGraph } from '../../shared/contract';
import { layoutLineage, NODE_HEIGHT, NODE_WIDTH } from './lineage-layout';

const chain: LineageGraph = {
  nodes: [
    { id: 'version:3', kind: 'version', label: 'churn v3', versionId: 3, itemId: 1 },
    { id: 'run:7', kind: 'run', label: 'keen-elk-233', runId: 7 },
    { id: 'version:12', kind: 'version', label: 'sales-2025 current', versionId: 12, itemId: 8 },
    { id: 'item:1', kind: 'model', label: 'churn-classifier', itemId: 1 },
    { id: 'external:bert', kind: 'external', label: 'google-bert/bert-base-uncased' },
  ],
  edges: [
    // As the engine writes them: origin → product.
    { from: 'version:12', to: 'run:7', relation: 'trained-on', evidence: 'MLflow dataset input', confidence: 1 },
    { from: 'run:7', to: 'version:3', relation: 'produced-by', evidence: 'MLmodel in the run', confidence: 1 },
    { from: 'item:1', to: 'version:3', relation: 'derived-from', evidence: 'version of this model', confidence: 1 },
    { from: 'external:bert', to: 'version:3', relation: 'fine-tuned-from', evidence: 'card base_model', confidence: 0.6 },
    // Junk the layout must survive: a duplicate, a dangling edge, a self loop.
    { from: 'run:7', to: 'version:3', relation: 'produced-by', evidence: 'again', confidence: 1 },
    { from: 'run:7', to: 'version:999', relation: 'produced-by', evidence: 'gone', confidence: 1 },
    { from: 'run:7', to: 'run:7', relation: 'derived-from', evidence: 'self', confidence: 1 },
  ],
};

describe('layoutLineage', () => {
  it('places origins left of what was made from them (left to right)', () => {
    const { nodes, edges } = layoutLineage(chain);
    const at = (id: string) => {
      const n = nodes.find((x) => x.id === id);
      if (!n) throw new Error(`no node ${id}`);
      return n;
    };
    expect(at('version:12').x).toBeLessThan(at('run:7').x);
    expect(at('run:7').x).toBeLessThan(at('version:3').x);
    expect(at('item:1').x).toBeLessThan(at('version:3').x);
    expect(at('external:bert').x).toBeLessThan(at('version:3').x);
    expect(edges.map((e) => `${e.source}>${e.target}:${e.label}`).sort()).toEqual([
      'external:bert>version:3:fine-tuned into',
      'item:1>version:3:version',
      'run:7>version:3:produced',
      'version:12>run:7:trained',
    ]);
    expect(edges.find((e) => e.source === 'external:bert')?.confidence).toBe(0.6);
  });

  it('lays out 200 nodes with no two boxes overlapping', () => {
    const nodes: LineageGraph['nodes'] = [];
    const edges: LineageGraph['edges'] = [];
    for (let i = 0; i < 40; i++) {
      nodes.push({ id: `item:${i}`, kind: 'dataset', label: `data ${i}`, itemId: i + 1 });
      nodes.push({ id: `run:${i}`, kind: 'run', label: `run ${i}`, runId: i + 1 });
      edges.push({ from: `item:${i}`, to: `run:${i}`, relation: 'trained-on', evidence: 'x', confidence: 1 });
      for (let v = 0; v < 3; v++) {
        nodes.push({ id: `version:${i}-${v}`, kind: 'version', label: `m${i} v${v}` });
        edges.push({ from: `run:${i}`, to: `version:${i}-${v}`, relation: 'produced-by', evidence: 'x', confidence: 1 });
      }
    }
    expect(nodes).toHaveLength(200);
    const placed = layoutLineage({ nodes, edges });
    expect(placed.nodes).toHaveLength(200);
    for (const n of placed.nodes) expect(Number.isFinite(n.x) && Number.isFinite(n.y)).toBe(true);
    const boxes = placed.nodes;
    for (let a = 0; a < boxes.length; a++) {
      for (let b = a + 1; b < boxes.length; b++) {
        const p = boxes[a] as (typeof boxes)[number];
        const q = boxes[b] as (typeof boxes)[number];
        const overlap = Math.abs(p.x - q.x) < NODE_WIDTH && Math.abs(p.y - q.y) < NODE_HEIGHT;
        expect(overlap, `${p.id} overlaps ${q.id}`).toBe(false);
      }
    }
    // Three ranks: datasets, runs, versions.
    expect(new Set(placed.nodes.map((n) => Math.round(n.x))).size).toBe(3);
    expect(placed.width).toBeGreaterThan(placed.height / 100);
  });
});
