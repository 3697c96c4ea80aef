import type { RedshiftNodeType } from './types';

/**
 * Elastic-resize limits per RA3 node type (Amazon Redshift Management Guide, "Elastic resize"): a cluster can grow to
 * `growth`× and shrink to a quarter of the node count it was created with, never to a single node, within the node
 * type's cluster size range. The exact options of one cluster: `aws redshift describe-node-configuration-options
 * --action-type resize-cluster`.
 */
export interface NodeTypeLimits {
  readonly minNodes: number;
  readonly maxNodes: number;
  readonly growth: number;
  readonly shrink: number;
}

export const NODE_TYPE_LIMITS: Readonly<Record<RedshiftNodeType, NodeTypeLimits>> = {
  'ra3.large': { minNodes: 2, maxNodes: 16, growth: 2, shrink: 4 },
  'ra3.xlplus': { minNodes: 2, maxNodes: 32, growth: 2, shrink: 4 },
  'ra3.4xlarge': { minNodes: 2, maxNodes: 128, growth: 4, shrink: 4 },
  'ra3.16xlarge': { minNodes: 2, maxNodes: 128, growth: 4, shrink: 4 },
};

/** The node counts an elastic resize can reach from a cluster created with `baseNodes` nodes of `nodeType`. */
export function elasticResizeRange(nodeType: RedshiftNodeType, baseNodes: number): { min: number; max: number } {
  const l = NODE_TYPE_LIMITS[nodeType];
  return {
    min: Math.max(l.minNodes, Math.ceil(baseNodes / l.shrink)),
    max: Math.min(l.maxNodes, baseNodes * l.growth),
  };
}
