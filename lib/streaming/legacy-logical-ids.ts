import { type CfnElement, Names, type Stack } from 'aws-cdk-lib';
import { Construct, type IConstruct } from 'constructs';

/**
 * Logical IDs across the issue-10 split. `StreamingStack` created every resource inline; its constructs now hold them
 * one level deeper (`AnomalyAlerts/AnomalyDeadLetterQueue` instead of `AnomalyDeadLetterQueue`), which would give each
 * a new logical ID, and CloudFormation would replace the stream, queues, topic and log groups (and recreate the
 * TRIM_HORIZON event-source mappings, which re-read seven days of telemetry). The constructs keep the child ids the
 * stack used, and the stack allocates IDs from the path without the construct's segment: exactly the IDs of before.
 */
export class LegacyLogicalIds {
  /**
   * @param stack the stack whose IDs are allocated
   * @param flattened ids of the stack's direct children whose own segment is left out of the IDs
   * @param renamed path segments that embed a construct's unique id (`KinesisEventSource:<stream's unique id>`):
   *   the construct whose unique id is replaced by its legacy one
   */
  constructor(
    private readonly stack: Stack,
    private readonly flattened: ReadonlySet<string>,
    private readonly renamed: () => readonly IConstruct[] = () => []
  ) {}

  /** The logical ID of `element`, or undefined when it is not under a flattened construct. */
  logicalId(element: CfnElement): string | undefined {
    const path = this.relativePath(element);
    if (path === undefined) return undefined;
    return cdkUniqueId(this.rewrite(path));
  }

  /** `construct`'s stack-relative path components with a flattened construct's segment removed (else undefined). */
  private relativePath(construct: IConstruct): string[] | undefined {
    const scopes = construct.node.scopes;
    const path = scopes.slice(scopes.indexOf(this.stack) + 1).map((c) => c.node.id);
    if (path.length < 2 || !this.flattened.has(path[0]!)) return undefined;
    return path.slice(1);
  }

  private rewrite(path: string[]): string[] {
    let out = path;
    for (const c of this.renamed()) {
      const legacyPath = this.relativePath(c);
      if (legacyPath === undefined) continue;
      const now = Names.nodeUniqueId(c.node);
      const before = cdkUniqueId([this.stack.node.id, ...legacyPath]);
      out = out.map((segment) => segment.split(now).join(before));
    }
    return out;
  }
}

/**
 * The ID CDK derives from path components (`makeUniqueId`: human part + hash of the path), computed by CDK itself on a
 * detached tree with that path rather than re-implemented here.
 */
function cdkUniqueId(components: readonly string[]): string {
  let scope = new Construct(undefined as unknown as Construct, '');
  for (const id of components) scope = new Construct(scope, id);
  return Names.nodeUniqueId(scope.node);
}
