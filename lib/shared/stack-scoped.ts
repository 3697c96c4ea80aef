import { Construct } from 'constructs';

/**
 * A construct that creates its resources in its parent's scope (`this.home`, the stack) instead of below itself.
 *
 * CloudFormation logical IDs are derived from construct paths, and a changed logical ID replaces the resource: a new
 * VPC, cluster, secret or queue. The resources these constructs own were first created inline by their stack, so they
 * keep the paths (`<Stack>/Vpc`, `<Stack>/Cluster`, ...) and with them the logical IDs they had then; the construct is
 * the unit a reader and the stack work with (typed props, grant methods, named steps), not a path segment.
 * Construct ids of such constructs must not be the id of one of their resources (both are children of the stack).
 */
export abstract class StackScopedConstruct extends Construct {
  /** Where this construct's resources live: the scope it was created in. */
  protected readonly home: Construct;

  protected constructor(scope: Construct, id: string) {
    super(scope, id);
    this.home = scope;
  }
}
