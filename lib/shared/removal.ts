import { RemovalPolicy } from 'aws-cdk-lib';
import type { DataRemoval } from '../config';

/** RETAIN unless the configuration explicitly asks to destroy data with the stack (throw-away dev accounts). */
export function dataRemovalPolicy(mode: DataRemoval): RemovalPolicy {
  return mode === 'destroy' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;
}
