import { Duration } from 'aws-cdk-lib';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { topicAlarm } from '../operations/operations-topic';
import { StackScopedConstruct } from '../shared/stack-scoped';

export interface PipelineAlarmsProps {
  readonly stateMachine: sfn.StateMachine;
  readonly operationsTopic: sns.ITopic;
}

/**
 * Every way a training execution can end badly raises an alarm to the operations topic. The pipeline's own Catchers
 * notify with the step and the error, but an uncatchable States.Runtime error ("A retry or catch on States.ALL won't
 * catch States.Runtime errors"), a timeout or an abort end the execution without them. Resources: `PipelineFailed…`,
 * `PipelineTimedOut…`, `PipelineAborted…`.
 */
export class PipelineAlarms extends StackScopedConstruct {
  constructor(scope: Construct, id: string, props: PipelineAlarmsProps) {
    super(scope, id);
    const sm = props.stateMachine;
    const period = Duration.minutes(5);
    for (const [alarmId, metric, description] of [
      [
        'PipelineFailed',
        sm.metricFailed({ period, statistic: 'Sum' }),
        'An ML training pipeline execution failed (including States.Runtime errors no Catch can notify).',
      ],
      [
        'PipelineTimedOut',
        sm.metricTimedOut({ period, statistic: 'Sum' }),
        'The ML training pipeline ran past its timeout (no failure notification was sent).',
      ],
      [
        'PipelineAborted',
        sm.metricAborted({ period, statistic: 'Sum' }),
        'An ML training pipeline execution was aborted (no failure notification was sent).',
      ],
    ] as const) {
      topicAlarm(this.home, alarmId, props.operationsTopic, { metric, description, notifyOk: false });
    }
  }
}
