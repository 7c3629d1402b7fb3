// Lays a lineage graph out left to right with dagre: where things came from on the left, what was
// made from them on the right. Pure (no React, no DOM) so it can be tested and reused.
import { Graph, layout } from '@dagrejs/dagre';
import type { LineageEdge, LineageGraph, LineageNode, LineageRelation } from '../../shared/contract';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 54;

export interface PlacedNode extends LineageNode {
  /** Top-left corner, as React Flow wants it. */
  x: number;
  y: number;
}

export interface PlacedEdge {
  id: string;
  /** Drawn from `source` (the origin) to `target` (what was made from it). */
  source: string;
  target: string;
  relation: LineageRelation;
  label: string;
  evidence: string;
  confidence: number;
}

export interface LineageLayout {
  nodes: PlacedNode[];
  edges: PlacedEdge[];
  width: number;
  height: number;
}

/**
 * The engine writes every edge from the origin to what was made from it ("dataset → run" for
 * trained-on, "run → version" for produced-by, "base → version" for fine-tuned-from), so drawing
 * `from → to` left to right reads as time. Labels read along that direction.
 */
const LABEL: Record<LineageRelation, string> = {
  'trained-on': 'trained',
  'produced-by': 'produced',
  'fine-tuned-from': 'fine-tuned into',
  'adapter-of': 'adapter',
  'quantized-from': 'quantized into',
  'merged-from': 'merged into',
  'exported-as': 'exported as',
  'derived-from': 'version',
};

export function orient(edge: LineageEdge): { source: string; target: string } {
  return { source: edge.from, target: edge.to };
}

export function layoutLineage(graph: LineageGraph, options: { nodeWidth?: number; nodeHeight?: number } = {}): LineageLayout {
  const width = options.nodeWidth ?? NODE_WIDTH;
  const height = options.nodeHeight ?? NODE_HEIGHT;
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 90, edgesep: 12, marginx: 16, marginy: 16 });
  g.setDefaultEdgeLabel(() => ({}));
  const known = new Set<string>();
  for (const node of graph.nodes) {
    if (known.has(node.id)) continue;
    known.add(node.id);
    g.setNode(node.id, { width, height });
  }
  const edges: PlacedEdge[] = [];
  const seen = new Set<string>();
  for (const edge of graph.edges) {
    if (!known.has(edge.from) || !known.has(edge.to) || edge.from === edge.to) continue;
    const { source, target } = orient(edge);
    const id = `${source}->${target}:${edge.relation}`;
    if (seen.has(id)) continue;
    seen.add(id);
    g.setEdge(source, target, {}, id);
    edges.push({
      id,
      source,
      target,
      relation: edge.relation,
      label: LABEL[edge.relation] ?? edge.relation,
      evidence: edge.evidence,
      confidence: edge.confidence,
    });
  }
  layout(g);
  const nodes: PlacedNode[] = [];
  const placed = new Set<string>();
  for (const node of graph.nodes) {
    if (placed.has(node.id)) continue;
    placed.add(node.id);
    const p = g.node(node.id) as { x: number; y: number } | undefined;
    // dagre gives centres; React Flow positions the top-left corner.
    nodes.push({ ...node, x: (p?.x ?? 0) - width / 2, y: (p?.y ?? 0) - height / 2 });
  }
  const info = g.graph() as { width?: number; height?: number };
  return { nodes, edges, width: info.width ?? 0, height: info.height ?? 0 };
}
