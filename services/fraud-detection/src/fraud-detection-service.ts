import { createKafkaClient, FsCheckpointStorage, type StartedJob, type StartJobOptions, startJob } from '@sluice/core';
import {
  FRAUD_DETECTION_JOB_MODULE,
  FRAUD_DETECTION_KAFKA_JOB_MODULE,
  type FraudDetectionJobOutputs,
} from '@sluice/fraud-detection-job';
import type { JobServiceOptions } from '@sluice/job-service';
import { FraudDetectionServiceError } from './errors.ts';
import { FRAUD_ALERTS_METRIC, FRAUD_RULE_UPDATES_METRIC } from './fraud-alert-metrics.ts';
import { type FraudDetectionSettings, fraudDetectionSettings } from './fraud-detection-settings.ts';
import { onFraudRuleUpdate } from './fraud-rules-handler.ts';
import { checkFraudKafkaTopics } from './kafka/fraud-kafka-topics.ts';
import { LiveRuleUpdates } from './live-rule-updates.ts';

/** The checkpoint settings of `settings` for `startJob` (none without `SLUICE_CHECKPOINT_DIR`). */
function checkpointingOf(
  settings: FraudDetectionSettings,
  jobId: string,
): Pick<StartJobOptions, 'checkpointing' | 'restoreFrom'> {
  if (settings.checkpoint === undefined) return {};
  return {
    checkpointing: {
      intervalMs: settings.checkpoint.intervalMs,
      storage: new FsCheckpointStorage({ directory: settings.checkpoint.directory }),
      jobId,
    },
    ...(settings.restore === 'none' ? {} : { restoreFrom: settings.restore }),
  };
}

/**
 * Starts the fraud-detection job on its embedded default: the seeded transaction generator, the
 * four rules, alerts printed as JSON lines (or as `settings.alertSink` says); with checkpointing
 * when `settings.checkpoint` is set; with `settings.liveRuleUpdates`, `built.ruleUpdates` is the
 * queue that takes rule updates while the job runs.
 *
 * @example
 * ```ts
 * const job = await startEmbeddedFraudDetection(fraudDetectionSettings({ RECORDS_PER_SECOND: '500' }));
 * job.built.ruleUpdates?.push({ id: 'lower-velocity', effectiveTime: 0, rules: { velocity: { maxTransactions: 3 } } });
 * ```
 */
export function startEmbeddedFraudDetection(
  settings: FraudDetectionSettings,
): Promise<StartedJob<FraudDetectionJobOutputs>> {
  return startJob<FraudDetectionJobOutputs>(FRAUD_DETECTION_JOB_MODULE, {
    parallelism: settings.parallelism,
    slots: settings.slots,
    ...checkpointingOf(settings, 'fraud-detection'),
    params: {
      outOfOrdernessMs: settings.outOfOrdernessMs,
      recordsPerSecond: settings.recordsPerSecond,
      count: settings.transactionCount,
      seed: settings.seed,
      accounts: settings.accounts,
      fraudRate: settings.fraudRate,
      rules: settings.rules,
      ruleUpdates: settings.ruleUpdates,
      sink: settings.alertSink,
      alertDirectory: settings.alertDir,
      liveRuleUpdates: settings.liveRuleUpdates,
    },
  });
}

/**
 * Starts the fraud-detection job in Kafka mode (`settings.kafka`): checks the topics first
 * (`KAFKA_TOPICS_MISSING` when one is missing or the transactions topic has fewer partitions than
 * `PARALLELISM`), then runs transactions topic → the four rules (rule updates from the rules topic,
 * broadcast) → alerts topic, exactly once, with checkpoints in `SLUICE_CHECKPOINT_DIR` (job id
 * `fraud-detection-kafka`, apart from the embedded job's) and resuming as `SLUICE_RESTORE` says.
 *
 * @example
 * ```ts
 * const settings = fraudDetectionSettings({ KAFKA_BOOTSTRAP_SERVERS: 'localhost:9092', SLUICE_CHECKPOINT_DIR: '/var/lib/sluice' });
 * const job = await startKafkaFraudDetection(settings);
 * ```
 */
export async function startKafkaFraudDetection(settings: FraudDetectionSettings): Promise<StartedJob<unknown>> {
  const kafka = settings.kafka;
  if (kafka === undefined || settings.checkpoint === undefined) {
    throw new FraudDetectionServiceError(
      'INVALID_CONFIG',
      'Kafka mode needs KAFKA_BOOTSTRAP_SERVERS and SLUICE_CHECKPOINT_DIR; read the settings with fraudDetectionSettings.',
    );
  }
  const client = await createKafkaClient({
    bootstrapServers: kafka.bootstrapServers.split(',').map((s) => s.trim()),
    clientId: 'fraud-detection-preflight',
  });
  await checkFraudKafkaTopics(client, kafka, settings.parallelism);
  return startJob<unknown>(FRAUD_DETECTION_KAFKA_JOB_MODULE, {
    parallelism: settings.parallelism,
    slots: settings.slots,
    ...checkpointingOf(settings, 'fraud-detection-kafka'),
    params: {
      bootstrapServers: kafka.bootstrapServers,
      transactionsTopic: kafka.transactionsTopic,
      alertsTopic: kafka.alertsTopic,
      deadLetterTopic: kafka.deadLetterTopic,
      rulesTopic: kafka.rulesTopic,
      groupId: kafka.sourceGroupId,
      transactionalIdPrefix: kafka.transactionalIdPrefix,
      rules: settings.rules,
      outOfOrdernessMs: settings.outOfOrdernessMs,
      transactionsIdleMs: kafka.transactionsIdleMs,
      ruleUpdatesIdleMs: kafka.rulesIdleMs,
    },
  });
}

/**
 * The job service options of the fraud-detection service, from the environment: the embedded
 * job, or with `KAFKA_BOOTSTRAP_SERVERS` the Kafka job ({@link startKafkaFraudDetection});
 * `sluice_fraud_alerts_total{rule}` and `sluice_fraud_rule_updates_total{outcome}`; and rule
 * updates. Embedded with `SLOTS=1`, `POST /api/rules` and the `fraud.rules` transport push them
 * into the running job. In Kafka mode the job reads the rules topic itself (offsets in its
 * checkpoints, so updates are exactly-once state), the transport handler only validates, logs and
 * counts them ({@link onFraudRuleUpdate}), and the route answers 409.
 *
 * @example
 * ```ts
 * await bootstrapJobService(fraudDetectionServiceOptions(process.env));
 * ```
 */
export function fraudDetectionServiceOptions(env: NodeJS.ProcessEnv = process.env): JobServiceOptions {
  const settings = fraudDetectionSettings(env);
  const kafka = settings.kafka;
  const live = new LiveRuleUpdates(
    kafka !== undefined
      ? `In Kafka mode the job reads rule updates from the ${kafka.rulesTopic} topic: publish them there ` +
          '({"id":...,"effectiveTime":...,"rules":{...}}, effectiveTime required).'
      : 'Live rule updates need SLOTS=1: the rule-update queue runs in the service thread, not in worker threads.',
  );
  const start = async (): Promise<StartedJob<unknown>> => {
    if (kafka !== undefined) return startKafkaFraudDetection(settings);
    const job = await startEmbeddedFraudDetection(settings);
    live.attach(job.built.ruleUpdates);
    return job;
  };
  return {
    jobName: 'fraud-detection',
    env,
    start,
    metrics: [FRAUD_ALERTS_METRIC, FRAUD_RULE_UPDATES_METRIC],
    events: { [settings.rulesTopic]: kafka !== undefined ? onFraudRuleUpdate : live.event },
    routes: { rules: live.route },
  };
}
