// Turns a routing-table pattern into the pattern an EventBridge rule takes.
import type * as events from 'aws-cdk-lib/aws-events';
import type { EventPattern } from '../routing/routing-table';

/**
 * The routing table already speaks EventBridge's pattern language, and CDK
 * renders the pattern as JSON as given. Passing it through unchanged keeps the
 * deployed rule byte-for-byte the pattern the local bus matches with; the cast
 * only widens CDK's `string[]` field type to admit content filters such as
 * `{ "anything-but": ... }`.
 */
export function toRulePattern(pattern: EventPattern): events.EventPattern {
  const rulePattern: Record<string, unknown> = {};
  if (pattern.source !== undefined) rulePattern.source = [...pattern.source];
  if (pattern['detail-type'] !== undefined) rulePattern.detailType = [...pattern['detail-type']];
  return rulePattern as events.EventPattern;
}
