import { type JobClient, MAX_WATERMARK, MIN_WATERMARK, type QueueSource } from '@sluice/core';
import {
  FRAUD_DETECTION_UIDS,
  FraudDetectionError,
  type RuleUpdate,
  validateRuleUpdate,
} from '@sluice/fraud-detection-job';
import { type JobEventHandler, type JobRouteHandler, JobServiceError } from '@sluice/job-service';

const RULE_OPERATORS: readonly string[] = [
  FRAUD_DETECTION_UIDS.smallThenLarge,
  FRAUD_DETECTION_UIDS.velocity,
  FRAUD_DETECTION_UIDS.impossibleTravel,
  FRAUD_DETECTION_UIDS.amountAnomaly,
];
const FIELDS = ['id', 'effectiveTime', 'rules'];

/**
 * The event time from which an update without `effectiveTime` applies: just after the lowest
 * watermark of the four rule operators, so it applies to every transaction none of them has
 * judged yet; 0 before their first watermark.
 *
 * @example
 * ```ts
 * const effectiveTime = currentRuleTime(job); // e.g. 1700000123457
 * ```
 */
export function currentRuleTime(job: JobClient): number {
  let lowest: number | undefined;
  for (const op of job.metrics().operators) {
    const wm = op.watermarkMs;
    if (!RULE_OPERATORS.includes(op.uid) || wm === undefined || wm <= MIN_WATERMARK || wm >= MAX_WATERMARK) continue;
    if (lowest === undefined || wm < lowest) lowest = wm;
  }
  return lowest === undefined ? 0 : lowest + 1;
}

/**
 * Rule updates for the RUNNING job: validated (`{ id, effectiveTime?, rules }`, nothing else),
 * `effectiveTime` defaulted to {@link currentRuleTime}, then pushed into the job's rule-update
 * queue, from where the broadcast rule stream applies them to the four rules without a restart.
 * The queue is part of the job's checkpoints, so an accepted update survives a stop-with-savepoint
 * and a restore. Used by `POST /api/rules` and, in embedded mode, by the `fraud.rules` transport.
 *
 * @example
 * ```ts
 * const live = new LiveRuleUpdates();
 * const job = await startEmbeddedFraudDetection(settings);
 * live.attach(job.built.ruleUpdates);
 * live.apply({ id: 'lower-velocity', rules: { velocity: { maxTransactions: 3 } } }, job);
 * ```
 */
export class LiveRuleUpdates {
  private queue: QueueSource<RuleUpdate> | undefined;
  private readonly unavailable: string;

  /** `unavailable` says why updates cannot be applied until a queue is attached (for the 409). */
  constructor(
    unavailable = 'Live rule updates need the embedded job with SLOTS=1 (its rule-update queue runs in the service).',
  ) {
    this.unavailable = unavailable;
  }

  /** The job's rule-update queue (`built.ruleUpdates` of the embedded job), once it started. */
  attach(queue: QueueSource<RuleUpdate> | undefined): void {
    this.queue = queue;
  }

  /** Whether updates reach the running job (a queue is attached). */
  get available(): boolean {
    return this.queue !== undefined;
  }

  /**
   * Validates `payload` and hands it to the running job; returns the update as applied. Throws
   * `JobServiceError` `INVALID_REQUEST` (invalid), `NOT_SUPPORTED` (no queue) or `JOB_NOT_RUNNING`.
   */
  apply(payload: unknown, job: JobClient): RuleUpdate {
    const update = ruleUpdateOf(payload, job);
    if (this.queue === undefined) throw new JobServiceError('NOT_SUPPORTED', this.unavailable);
    const status = job.status();
    if (status !== 'RUNNING') {
      throw new JobServiceError('JOB_NOT_RUNNING', `Cannot apply rule update ${update.id}: the job is ${status}.`);
    }
    this.queue.push(update);
    return update;
  }

  /**
   * `POST /api/rules`: 202 with `{ accepted: <update> }`.
   *
   * @example
   * ```ts
   * JobServiceModule.forJob({ ..., routes: { rules: live.route } });
   * ```
   */
  readonly route: JobRouteHandler = (body, { job, logger }) => {
    const update = this.apply(body, job);
    logger.log(
      `rule update ${update.id} (HTTP) effective at ${describeTime(update.effectiveTime)}: ${JSON.stringify(update.rules)}`,
    );
    return { accepted: update };
  };

  /**
   * The `fraud.rules` handler of the Kafka transport: applies the update when a queue is attached
   * (embedded mode); otherwise (Kafka mode, where the job reads the topic itself) validates and logs it.
   *
   * @example
   * ```ts
   * JobServiceModule.forJob({ ..., events: { 'fraud.rules': live.event } });
   * ```
   */
  readonly event: JobEventHandler = (payload, { job, topic, key, logger }) => {
    const from = `${topic}${key === undefined ? '' : ` (key ${key})`}`;
    const update = this.available ? this.apply(payload, job) : ruleUpdateOf(payload, job);
    logger.log(
      `rule update ${update.id} from ${from} effective at ${describeTime(update.effectiveTime)}` +
        `${this.available ? '' : ' (validated; the job applies it from the topic)'}: ${JSON.stringify(update.rules)}`,
    );
  };
}

function describeTime(ms: number): string {
  return Number.isFinite(new Date(ms).getTime()) ? new Date(ms).toISOString() : String(ms);
}

/** The payload as a valid {@link RuleUpdate} (`effectiveTime` defaulted); `INVALID_REQUEST` otherwise. */
function ruleUpdateOf(payload: unknown, job: JobClient): RuleUpdate {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new JobServiceError(
      'INVALID_REQUEST',
      'A rule update is a JSON object such as {"id":"lower-velocity","rules":{"velocity":{"maxTransactions":3}}}.',
    );
  }
  const unknown = Object.keys(payload).filter((k) => !FIELDS.includes(k));
  if (unknown.length > 0) {
    throw new JobServiceError(
      'INVALID_REQUEST',
      `Unknown field(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')} in the rule update; it accepts only ${FIELDS.join(', ')}.`,
    );
  }
  const given = payload as Record<string, unknown>;
  const candidate = given['effectiveTime'] === undefined ? { ...given, effectiveTime: currentRuleTime(job) } : given;
  try {
    return validateRuleUpdate(candidate);
  } catch (error) {
    if (error instanceof FraudDetectionError) {
      throw new JobServiceError('INVALID_REQUEST', error.message, { cause: error });
    }
    throw error;
  }
}
