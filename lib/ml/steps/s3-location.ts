import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';

/**
 * An S3 location (URI or JSONPath) whose IAM the pipeline grants explicitly and narrowly: CDK's own locations grant on
 * `*` for JSONPath URIs, and `fromBucket` grants more than PutObject on the output prefix.
 */
export class ExplicitS3Location extends tasks.S3Location {
  constructor(private readonly uri: string) {
    super();
  }
  static at(path: string): ExplicitS3Location {
    return new ExplicitS3Location(sfn.JsonPath.stringAt(path));
  }
  bind(): tasks.S3LocationConfig {
    return { uri: this.uri };
  }
}
