import type * as sns from 'aws-cdk-lib/aws-sns';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import { Construct } from 'constructs';

export interface FailureNotificationProps {
  readonly operationsTopic: sns.ITopic;
}

/**
 * The pipeline's one failure exit: `NotifyFailure` (operations topic: execution, error, cause) then `PipelineFailed`
 * with the original error. `catch(task)` routes every error of a task here with the error under `$.error`.
 */
export class FailureNotification extends Construct {
  /** Entry for a failure already described under `$.error` ({Error, Cause}). */
  readonly entry: sfn.IChainable;

  constructor(scope: Construct, id: string, props: FailureNotificationProps) {
    super(scope, id);
    const notifyFailure = new tasks.SnsPublish(this, 'NotifyFailure', {
      topic: props.operationsTopic,
      subject: 'Smart-factory ML pipeline failed',
      message: sfn.TaskInput.fromText(
        sfn.JsonPath.format(
          'The ML training pipeline (execution {}) failed: {}: {}',
          sfn.JsonPath.stringAt('$$.Execution.Name'),
          sfn.JsonPath.stringAt('$.error.Error'),
          sfn.JsonPath.stringAt('$.error.Cause')
        )
      ),
      resultPath: sfn.JsonPath.DISCARD,
    });
    const failed = new sfn.Fail(this, 'PipelineFailed', { errorPath: '$.error.Error', causePath: '$.error.Cause' });
    notifyFailure.addCatch(failed, { resultPath: sfn.JsonPath.DISCARD });
    notifyFailure.next(failed);
    this.entry = notifyFailure;
  }

  /** Routes every error of `task` to the notification (error and cause under `$.error`). */
  catch<T extends sfn.TaskStateBase>(task: T): T {
    task.addCatch(this.entry, { resultPath: '$.error' });
    return task;
  }

  /** A Pass that records a failure of our own ({Error, Cause}, JSONPath allowed) and notifies. */
  fail(scope: Construct, id: string, parameters: Record<string, unknown>): sfn.Pass {
    const pass = new sfn.Pass(scope, id, { parameters, resultPath: '$.error' });
    pass.next(this.entry);
    return pass;
  }
}
