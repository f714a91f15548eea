import { Graph, layout as layOutGraph, type Point } from '@dagrejs/dagre';
import { useMemo } from 'react';
import type { StepView } from '../api/types';
import { type DefinedStep, definedSteps } from './defined-steps';

const NODE = { width: 168, height: 52 };

/**
 * The pinned definition's steps as a graph laid out by dagre (left to right), each node coloured and
 * labelled with its step's status; a step not planned yet is "not started". A node links to the
 * step's details below.
 */
export function DagGraph({ definition, steps }: { definition: unknown; steps: StepView[] }) {
  const layout = useMemo(() => layOut(definedSteps(definition)), [definition]);
  const statusOf = new Map(steps.map((step) => [step.stepKey, step.status]));
  if (!layout) return <p className="muted">The pinned definition has no steps to draw.</p>;
  return (
    <svg
      className="dag"
      aria-labelledby="dag-title"
      viewBox={`0 0 ${layout.width} ${layout.height}`}
      width={layout.width}
      height={layout.height}
    >
      <title id="dag-title">Steps and their dependencies</title>
      <defs>
        <marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" markerHeight="7" orient="auto">
          <path d="M0,0 L10,5 L0,10 z" className="dag-arrow" />
        </marker>
      </defs>
      {layout.edges.map((edge) => (
        <polyline key={edge.id} className="dag-edge" points={edge.points} markerEnd="url(#arrow)" />
      ))}
      {layout.nodes.map((node) => {
        const status = (statusOf.get(node.key) ?? 'not started').toLowerCase();
        return (
          <a key={node.key} href={`#step-${node.key}`} aria-label={`step ${node.key}: ${status}`}>
            <g className={`dag-node status-${status.replace(' ', '-')}`} transform={`translate(${node.x}, ${node.y})`}>
              <rect width={NODE.width} height={NODE.height} rx={6} />
              <text x={10} y={20} className="dag-key">
                {clip(node.key, 20)}
              </text>
              <text x={10} y={38} className="dag-status">
                {status} · {clip(node.action, 14)}
              </text>
            </g>
          </a>
        );
      })}
    </svg>
  );
}

function layOut(steps: DefinedStep[]) {
  if (steps.length === 0) return null;
  const graph = new Graph();
  graph.setGraph({ rankdir: 'LR', nodesep: 18, ranksep: 48, marginx: 8, marginy: 8 });
  graph.setDefaultEdgeLabel(() => ({}));
  const keys = new Set(steps.map((step) => step.key));
  for (const step of steps) graph.setNode(step.key, { ...NODE });
  for (const step of steps) for (const dep of step.dependsOn) if (keys.has(dep)) graph.setEdge(dep, step.key);
  layOutGraph(graph);
  const nodes = steps.map((step) => {
    const { x, y } = graph.node(step.key);
    return { key: step.key, action: step.action, x: x - NODE.width / 2, y: y - NODE.height / 2 };
  });
  const edges = graph.edges().map((edge) => ({
    id: `${edge.v}->${edge.w}`,
    points: (graph.edge(edge) as { points: Point[] }).points.map((point) => `${point.x},${point.y}`).join(' '),
  }));
  const { width = 0, height = 0 } = graph.graph();
  return { nodes, edges, width: Math.max(width, NODE.width), height: Math.max(height, NODE.height) };
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
