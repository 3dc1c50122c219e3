import {
  CollectionSource,
  CollectSink,
  type DataStream,
  defineJob,
  FileSink,
  type JobParams,
  PrintSink,
  QueueSource,
} from '@sluice/core';
import type { Alert } from './alert.ts';
import { buildFraudDetection, type RejectedRuleUpdate } from './build-fraud-detection.ts';
import { FraudDetectionError } from './errors.ts';
import { fraudDetectionConfig } from './fraud-detection-config.ts';
import { fraudDetectionJobParams } from './fraud-detection-job-params.ts';
import { FraudTransactionSource } from './generator/fraud-transaction-source.ts';
import type { RuleUpdate } from './rule-update.ts';
import type { Transaction } from './transaction.ts';
import { ruleUpdateWatermarks, transactionWatermarks } from './watermarks.ts';

/** What the embedded job's build function returns (the sinks are filled only with `sink: 'collect'`). */
export interface FraudDetectionJobOutputs {
  readonly alerts: CollectSink<Alert>;
  readonly lateTransactions: CollectSink<Transaction>;
  readonly rejectedRuleUpdates: CollectSink<RejectedRuleUpdate>;
  /**
   * With `liveRuleUpdates`: push rule updates here while the job runs (they reach the four rules
   * through the broadcast rule stream, no restart); `undefined` otherwise.
   */
  readonly ruleUpdates: QueueSource<RuleUpdate> | undefined;
}

/** Operator names (and uids) of the embedded job's rule-update sources. */
const RULE_UPDATES_SOURCE = 'rule-updates';
const LIVE_RULE_UPDATES_SOURCE = 'live-rule-updates';

/** An alert as one JSON line (what the print and file sinks write). */
function compact(alert: Alert): string {
  return JSON.stringify({
    id: alert.id,
    rule: alert.rule,
    accountId: alert.accountId,
    cardId: alert.cardId,
    time: new Date(alert.eventTime).toISOString(),
    evidence: alert.evidence.map((t) => t.id),
    reason: alert.reason,
  });
}

function sinkAll<T>(stream: DataStream<T>, collect: CollectSink<T> | undefined, name: string, toStderr: boolean): void {
  if (collect !== undefined) {
    stream.sinkTo(collect, `collect-${name}`);
    return;
  }
  const write = toStderr
    ? (line: string) => process.stderr.write(`${line}\n`)
    : (line: string) => process.stdout.write(`${line}\n`);
  stream.sinkTo(new PrintSink<T>(name, write), `print-${name}`);
}

/**
 * The fraud-detection job on its embedded default: the seeded generator
 * ({@link FraudTransactionSource}) → the four rules with rule updates from the `ruleUpdates`
 * parameter (and, with `liveRuleUpdates`, from the returned `ruleUpdates` queue while it runs) →
 * alerts printed as JSON lines (collected with `sink: 'collect'`, written exactly once to part
 * files with `sink: 'file'`). Parameters: see {@link fraudDetectionJobParams}. Run it with
 * `startJob(url, { params, parallelism, slots })`.
 *
 * @example
 * ```ts
 * const job = await startJob<FraudDetectionJobOutputs>(new URL('./fraud-detection.job.ts', import.meta.url), {
 *   parallelism: 2,
 *   params: { count: 100_000, sink: 'collect' },
 * });
 * await job.result;
 * console.log(job.built.alerts.values.length);
 * ```
 */
export default defineJob('fraud-detection', (env, raw: JobParams): FraudDetectionJobOutputs => {
  const params = fraudDetectionJobParams(raw);
  const config = fraudDetectionConfig({ rules: params.rules, outOfOrdernessMs: params.outOfOrdernessMs });
  if (params.maxDelayMs > config.outOfOrdernessMs) {
    throw new FraudDetectionError(
      'INVALID_CONFIG',
      `maxDelayMs (${params.maxDelayMs}) must not exceed outOfOrdernessMs (${config.outOfOrdernessMs}), or generated transactions would be late.`,
    );
  }
  const source = new FraudTransactionSource({
    seed: params.seed,
    accounts: params.accounts,
    shards: params.shards,
    count: params.count,
    recordsPerSecond: params.recordsPerSecond,
    fraudRate: params.fraudRate,
    maxDelayMs: params.maxDelayMs,
    startTime: params.startTime,
    rules: config.rules,
    ruleUpdates: params.ruleUpdates,
  });
  const transactions = env.fromSource(source, transactionWatermarks(config.outOfOrdernessMs), 'transactions');
  const scheduled = [...params.ruleUpdates].sort((a, b) => a.effectiveTime - b.effectiveTime);
  let live: QueueSource<RuleUpdate> | undefined;
  let ruleUpdates: DataStream<RuleUpdate> | undefined;
  if (params.liveRuleUpdates) {
    // Scheduled updates go first; re-sending them after a restore is harmless (an id replaces itself).
    live = new QueueSource<RuleUpdate>();
    for (const update of scheduled) live.push(update);
    ruleUpdates = env.fromSource(live, ruleUpdateWatermarks(params.ruleUpdatesIdleMs), LIVE_RULE_UPDATES_SOURCE);
  } else if (scheduled.length > 0) {
    ruleUpdates = env.fromSource(new CollectionSource(scheduled), ruleUpdateWatermarks(), RULE_UPDATES_SOURCE);
  }
  const out = buildFraudDetection(env, { transactions, ruleUpdates, rules: config.rules });
  const collect = params.sink === 'collect';
  const outputs: FraudDetectionJobOutputs = {
    alerts: new CollectSink<Alert>(),
    lateTransactions: new CollectSink<Transaction>(),
    rejectedRuleUpdates: new CollectSink<RejectedRuleUpdate>(),
    ruleUpdates: live,
  };
  if (collect) sinkAll(out.alerts, outputs.alerts, 'alerts', false);
  else if (params.sink === 'file') {
    const directory = params.alertDirectory as string; // checked by fraudDetectionJobParams
    out.alerts.sinkTo(new FileSink<Alert>({ directory, encode: compact }), 'file-alerts');
  } else sinkAll(out.alerts.map('format-alerts', compact), undefined, 'alert', false);
  sinkAll(out.lateTransactions, collect ? outputs.lateTransactions : undefined, 'late-transactions', true);
  sinkAll(out.rejectedRuleUpdates, collect ? outputs.rejectedRuleUpdates : undefined, 'rejected-rule-updates', true);
  return outputs;
});
