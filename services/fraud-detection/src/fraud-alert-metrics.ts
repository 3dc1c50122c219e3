import { ALERT_RULES, type AlertRule, FRAUD_DETECTION_UIDS } from '@sluice/fraud-detection-job';
import type { JobMetricDefinition } from '@sluice/job-service';

/** The operator uid of each rule (each rule operator emits exactly its alerts on its main output). */
const RULE_OPERATORS: Readonly<Record<AlertRule, string>> = {
  'small-then-large': FRAUD_DETECTION_UIDS.smallThenLarge,
  velocity: FRAUD_DETECTION_UIDS.velocity,
  'impossible-travel': FRAUD_DETECTION_UIDS.impossibleTravel,
  'amount-anomaly': FRAUD_DETECTION_UIDS.amountAnomaly,
};

/**
 * `sluice_fraud_alerts_total{rule}`: alerts raised by each rule, read at scrape time from the
 * records its operator emitted (summed over subtasks and worker threads by the engine).
 *
 * @example
 * ```ts
 * JobServiceModule.forJob({ jobName: 'fraud-detection', start, metrics: [FRAUD_ALERTS_METRIC] });
 * ```
 */
export const FRAUD_ALERTS_METRIC: JobMetricDefinition = {
  name: 'sluice_fraud_alerts_total',
  help: 'Alerts raised by the fraud-detection rules, by rule.',
  type: 'counter',
  labelNames: ['job_name', 'rule'],
  *collect(job) {
    const operators = new Map(job.metrics().operators.map((op) => [op.uid, op]));
    for (const rule of ALERT_RULES) {
      const op = operators.get(RULE_OPERATORS[rule]);
      if (op !== undefined) yield { labels: { job_name: job.jobName, rule }, value: op.recordsOut };
    }
  },
};

/**
 * `sluice_fraud_rule_updates_total{outcome}`: rule updates the job's control stream took in,
 * `applied` (valid: broadcast to the four rules) or `rejected` (invalid: the dead-letter output),
 * read at scrape time from the `validate-rule-updates` operator.
 *
 * @example
 * ```ts
 * JobServiceModule.forJob({ jobName: 'fraud-detection', start, metrics: [FRAUD_RULE_UPDATES_METRIC] });
 * ```
 */
export const FRAUD_RULE_UPDATES_METRIC: JobMetricDefinition = {
  name: 'sluice_fraud_rule_updates_total',
  help: 'Rule updates the fraud-detection job took in, by outcome (applied or rejected).',
  type: 'counter',
  labelNames: ['job_name', 'outcome'],
  *collect(job) {
    const op = job.metrics().operators.find((o) => o.uid === FRAUD_DETECTION_UIDS.validateRuleUpdates);
    if (op === undefined) return;
    yield { labels: { job_name: job.jobName, outcome: 'applied' }, value: op.recordsOut };
    yield { labels: { job_name: job.jobName, outcome: 'rejected' }, value: op.recordsOutSide };
  },
};
