import type { RedshiftNodeType } from './types';

/**
 * Elastic-resize limits per RA3 node type (Amazon Redshift Management Guide, "Elastic resize",
 * https://docs.aws.amazon.com/redshift/latest/mgmt/managing-cluster-operations.html): "you can increase the number of
 * nodes up to four times the existing count" (ra3.xlplus: double), and "All ra3 node types support a decrease in the
 * number of nodes to a quarter of the existing count", never to a single node. "You can create a cluster with the
 * ra3.4xlarge node type with up to 32 nodes. You can resize it with elastic resize to a maximum of 64 nodes"
 * (https://docs.aws.amazon.com/redshift/latest/mgmt/working-with-clusters.html). The limits apply to the count
 * *before each resize*, so a schedule is checked transition by transition. Authoritative for one cluster:
 * `aws redshift describe-node-configuration-options --action-type resize-cluster`.
 */
export interface NodeTypeLimits {
  readonly minNodes: number;
  /** Most nodes a cluster can be created with. */
  readonly maxCreateNodes: number;
  /** Most nodes an elastic resize can reach. */
  readonly maxNodes: number;
  readonly growth: number;
  readonly shrink: number;
}

export const NODE_TYPE_LIMITS: Readonly<Record<RedshiftNodeType, NodeTypeLimits>> = {
  'ra3.large': { minNodes: 2, maxCreateNodes: 16, maxNodes: 16, growth: 2, shrink: 4 },
  'ra3.xlplus': { minNodes: 2, maxCreateNodes: 32, maxNodes: 32, growth: 2, shrink: 4 },
  'ra3.4xlarge': { minNodes: 2, maxCreateNodes: 32, maxNodes: 64, growth: 4, shrink: 4 },
  'ra3.16xlarge': { minNodes: 2, maxCreateNodes: 128, maxNodes: 128, growth: 4, shrink: 4 },
};

/** The node counts one elastic resize can reach from a cluster that has `baseNodes` nodes of `nodeType` now. */
export function elasticResizeRange(nodeType: RedshiftNodeType, baseNodes: number): { min: number; max: number } {
  const l = NODE_TYPE_LIMITS[nodeType];
  return {
    min: Math.max(l.minNodes, Math.ceil(baseNodes / l.shrink)),
    max: Math.min(l.maxNodes, baseNodes * l.growth),
  };
}
