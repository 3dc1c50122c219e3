import { FraudDetectionError, validateRuleUpdate } from '@sluice/fraud-detection-job';
import { type JobEventHandler, JobServiceError } from '@sluice/job-service';

/**
 * Validates and logs a rule update from the `fraud.rules` topic without applying it (an invalid
 * one is rejected, logged and counted as `rejected` in `sluice_control_events_total`): the
 * handler for when the job reads the topic itself (Kafka mode: its source applies the updates
 * through the broadcast rule stream, offsets in checkpoints). The service's own handler,
 * {@link LiveRuleUpdates.event}, does the same in Kafka mode and pushes the update into the
 * running job in embedded mode.
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
