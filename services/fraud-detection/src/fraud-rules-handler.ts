import { FraudDetectionError, validateRuleUpdate } from '@sluice/fraud-detection-job';
import { type JobEventHandler, JobServiceError } from '@sluice/job-service';

/**
 * Handles a rule update from the `fraud.rules` topic: validates it (an invalid one is rejected,
 * logged and counted as `rejected` in `sluice_control_events_total`) and logs a valid one. The
 * job applies rule updates through its broadcast rule stream: in Kafka mode its source reads the
 * same topic (offsets in checkpoints, so updates are applied exactly once and in event time);
 * this handler is the service's early check and audit trail.
 *
 * @example
 * ```ts
 * JobServiceModule.forJob({ jobName: 'fraud-detection', start, events: { 'fraud.rules': onFraudRuleUpdate } });
 * ```
 */
export const onFraudRuleUpdate: JobEventHandler = (payload, { topic, key, logger }) => {
  try {
    const update = validateRuleUpdate(payload);
    logger.log(
      `rule update ${update.id} from ${topic}${key === undefined ? '' : ` (key ${key})`} effective at ` +
        `${new Date(update.effectiveTime).toISOString()}: ${JSON.stringify(update.rules)}`,
    );
  } catch (error) {
    if (error instanceof FraudDetectionError) {
      throw new JobServiceError('INVALID_REQUEST', error.message, { cause: error });
    }
    throw error;
  }
};
