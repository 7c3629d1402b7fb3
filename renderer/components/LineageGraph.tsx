// The lineage graph: React Flow draws what layoutLineage placed. Nodes say what they are (dataset,
// run, model, version, elsewhere) in words and colour; arrows say how things are related and, on
// hover, which file said so. Clicking a node opens it. Big graphs start zoomed to fit, with a map.
import {
  BaseEdge,
  type Edge,
  EdgeLabelRenderer,
  type EdgeProps,
  getBezierPath,
  Handle,
  MarkerType,
  MiniMap,
  type Node,
  type NodeProps,
  Position,
  ReactFlow,
  Background,
  Controls,
} from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { memo, useMemo, useState } from 'react';
import type { LineageGraph as Graph, LineageNode } from '../../shared/contract';
import { layoutLineage, NODE_HEIGHT, NODE_WIDTH } from '../lib/lineage-layout';

export const KIND_LABEL: Record<LineageNode['kind'], string> = {
  dataset: 'Dataset',
  run: 'Training run',
  model: 'Model',
  version: 'Version',
  external: 'Not on your shares',
};

type LineageNodeData = { node: LineageNode; focus: boolean };
type LineageEdgeData = { label: string; evidence: string; confidence: number; showLabel: boolean };
type FlowNode = Node<LineageNodeData, 'lineage'>;
type FlowEdge = Edge<LineageEdgeData, 'evidence'>;

const LineageNodeView = memo(function LineageNodeView({ data }: NodeProps<FlowNode>) {
  const { node, focus } = data;
  return (
    <div
      className={`lineage-node kind-${node.kind}${focus ? ' focus' : ''}`}
      data-testid="lineage-node"
      data-kind={node.kind}
      title={node.kind === 'external' ? `${node.label} — not on any of your sources` : `Open ${node.label}`}
      style={{ width: NODE_WIDTH, height: NODE_HEIGHT }}
    >
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <span className="lineage-kind">{KIND_LABEL[node.kind]}</span>
      <span className="lineage-label">{node.label}</span>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </div>
  );
});

function EvidenceEdge({ id, sourceX, sourceY, targetX, targetY, sourcePosition, targetPosition, data, markerEnd, style }: EdgeProps<FlowEdge>) {
  const [hover, setHover] = useState(false);
  const [path, labelX, labelY] = getBezierPath({ sourceX, sourceY, sourcePosition, targetX, targetY, targetPosition });
  const inferred = (data?.confidence ?? 1) < 1;
  return (
    <>
      <BaseEdge id={id} path={path} markerEnd={markerEnd} style={{ ...style, strokeDasharray: inferred ? '5 4' : undefined }} />
      {/* A wide invisible path makes the edge easy to hover. The same evidence is in the list under the graph for keyboards. */}
      {/* biome-ignore lint/a11y/noStaticElementInteractions: hover only shows a tooltip */}
      <path d={path} fill="none" stroke="transparent" strokeWidth={14} onMouseEnter={() => setHover(true)} onMouseLeave={() => setHover(false)} />
      {(data?.showLabel || hover) && (
        <EdgeLabelRenderer>
          {/* biome-ignore lint/a11y/noStaticElementInteractions: hover only shows a tooltip */}
          <div
            className={`lineage-edge-label${hover ? ' hover' : ''}`}
            style={{ transform: `translate(-50%, -50%) translate(${labelX}px, ${labelY}px)` }}
            onMouseEnter={() => setHover(true)}
            onMouseLeave={() => setHover(false)}
            data-testid="lineage-edge-label"
          >
            {data?.label}
            {hover && (
              <span className="lineage-evidence" role="tooltip">
                {data?.evidence}
                {inferred ? ` (inferred, ${Math.round((data?.confidence ?? 0) * 100)}% sure)` : ''}
              </span>
            )}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

const nodeTypes = { lineage: LineageNodeView };
const edgeTypes = { evidence: EvidenceEdge };
const MANY = 40;

export function LineageGraph({ graph, focusId, onOpen }: { graph: Graph; focusId: string; onOpen(node: LineageNode): void }) {
  const { nodes, edges } = useMemo(() => {
    const placed = layoutLineage(graph);
    const showLabels = placed.edges.length <= MANY;
    const nodes: FlowNode[] = placed.nodes.map((n) => ({
      id: n.id,
      type: 'lineage',
      position: { x: n.x, y: n.y },
      data: { node: n, focus: n.id === focusId },
      draggable: false,
      connectable: false,
      selectable: n.kind !== 'external',
    }));
    const edges: FlowEdge[] = placed.edges.map((e) => ({
      id: e.id,
      source: e.source,
      target: e.target,
      type: 'evidence',
      markerEnd: { type: MarkerType.ArrowClosed, width: 16, height: 16 },
      data: { label: e.label, evidence: e.evidence, confidence: e.confidence, showLabel: showLabels },
    }));
    return { nodes, edges };
  }, [graph, focusId]);

  return (
    <div className="lineage-canvas" data-testid="lineage-graph">
      <ReactFlow
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        edgeTypes={edgeTypes}
        fitView
        fitViewOptions={{ padding: 0.15, maxZoom: 1.1 }}
        minZoom={0.05}
        maxZoom={2}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        onNodeClick={(_e, node) => {
          if (node.data.node.kind !== 'external') onOpen(node.data.node);
        }}
        colorMode="system"
      >
        <Background gap={20} size={1} />
        <Controls showInteractive={false} />
        {nodes.length > 25 && <MiniMap pannable zoomable nodeStrokeWidth={3} />}
      </ReactFlow>
    </div>
  );
}
