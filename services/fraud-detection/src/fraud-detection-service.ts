import { FsCheckpointStorage, type JobClient, type StartJobOptions, startJob } from '@sluice/core';
import { FRAUD_DETECTION_JOB_MODULE, type FraudDetectionJobOutputs } from '@sluice/fraud-detection-job';
import type { JobServiceOptions } from '@sluice/job-service';
import { FraudDetectionServiceError } from './errors.ts';
import { FRAUD_ALERTS_METRIC } from './fraud-alert-metrics.ts';
import { type FraudDetectionSettings, fraudDetectionSettings } from './fraud-detection-settings.ts';
import { onFraudRuleUpdate } from './fraud-rules-handler.ts';

/**
 * Starts the fraud-detection job on its embedded default: the seeded transaction generator, the
 * four rules, alerts printed as JSON lines; with checkpointing when `settings.checkpoint` is set.
 *
 * @example
 * ```ts
 * const job = await startEmbeddedFraudDetection(fraudDetectionSettings({ RECORDS_PER_SECOND: '500' }));
 * ```
 */
export function startEmbeddedFraudDetection(settings: FraudDetectionSettings): Promise<JobClient> {
  const checkpointing: Pick<StartJobOptions, 'checkpointing' | 'restoreFrom'> =
    settings.checkpoint === undefined
      ? {}
      : {
          checkpointing: {
            intervalMs: settings.checkpoint.intervalMs,
            storage: new FsCheckpointStorage({ directory: settings.checkpoint.directory }),
          },
          ...(settings.restore === 'none' ? {} : { restoreFrom: settings.restore }),
        };
  return startJob<FraudDetectionJobOutputs>(FRAUD_DETECTION_JOB_MODULE, {
    parallelism: settings.parallelism,
    slots: settings.slots,
    ...checkpointing,
    params: {
      recordsPerSecond: settings.recordsPerSecond,
      seed: settings.seed,
      accounts: settings.accounts,
      fraudRate: settings.fraudRate,
      rules: settings.rules,
      ruleUpdates: settings.ruleUpdates,
      sink: settings.alertSink,
    },
  });
}

/**
 * The error of Kafka mode until the Kafka connectors exist.
 *
 * @example
 * ```ts
 * throw kafkaConnectorMissing();
 * ```
 */
export function kafkaConnectorMissing(): FraudDetectionServiceError {
  return new FraudDetectionServiceError(
    'KAFKA_CONNECTOR_MISSING',
    'Kafka mode (KAFKA_BOOTSTRAP_SERVERS is set) needs the Kafka source and sink connectors of @sluice/core, ' +
      'which are not built yet (see the Kafka connectors issue). Unset KAFKA_BOOTSTRAP_SERVERS to run on the ' +
      'embedded generator.',
  );
}

/**
 * The job service options of the fraud-detection service, from the environment: the embedded
 * job (or, with `KAFKA_BOOTSTRAP_SERVERS`, Kafka mode, which fails until the Kafka connectors
 * exist), `sluice_fraud_alerts_total{rule}`, and the `fraud.rules` topic on the Kafka transport.
 *
 * @example
 * ```ts
 * await bootstrapJobService(fraudDetectionServiceOptions(process.env));
 * ```
 */
export function fraudDetectionServiceOptions(env: NodeJS.ProcessEnv = process.env): JobServiceOptions {
  const settings = fraudDetectionSettings(env);
  return {
    jobName: 'fraud-detection',
    env,
    start: () => (settings.kafka ? Promise.reject(kafkaConnectorMissing()) : startEmbeddedFraudDetection(settings)),
    metrics: [FRAUD_ALERTS_METRIC],
    events: { [settings.rulesTopic]: onFraudRuleUpdate },
  };
}
