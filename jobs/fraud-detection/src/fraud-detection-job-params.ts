import type { JobParams } from '@sluice/core';
import { FraudDetectionError } from './errors.ts';
import type { FraudRulesPatch } from './fraud-rules.ts';
import type { RuleUpdate } from './rule-update.ts';

/**
 * Where the embedded job writes alerts: stdout as JSON lines, a `CollectSink` (tests, services),
 * or JSON-line part files in `alertDirectory`, committed exactly once with each checkpoint (`FileSink`).
 */
export type AlertSinkKind = 'print' | 'collect' | 'file';

/**
 * The embedded job's parameters, parsed from {@link JobParams} (plain strings, numbers and
 * booleans, e.g. from environment variables). Rules and rule updates are JSON strings.
 *
 * @example
 * ```ts
 * const params = fraudDetectionJobParams({ count: 10_000, sink: 'collect', rules: '{"velocity":{"maxTransactions":3}}' });
 * ```
 */
export interface FraudDetectionJobParams {
  readonly seed: number;
  readonly accounts: number;
  readonly shards: number;
  /** Omit for an unbounded run. */
  readonly count: number | undefined;
  /** Omit to generate as fast as possible. */
  readonly recordsPerSecond: number | undefined;
  readonly fraudRate: number;
  readonly maxDelayMs: number;
  readonly outOfOrdernessMs: number;
  readonly startTime: number | undefined;
  readonly sink: AlertSinkKind;
  /** Directory of the alert part files (required with `sink: 'file'`). */
  readonly alertDirectory: string | undefined;
  readonly rules: FraudRulesPatch;
  readonly ruleUpdates: RuleUpdate[];
  /**
   * Rule updates come from a `QueueSource` the caller pushes into while the job runs (returned
   * as `ruleUpdates` by the build function; `ruleUpdates` above are pushed first). Needs `slots: 1`.
   */
  readonly liveRuleUpdates: boolean;
  /** With live rule updates: processing time without updates after which they stop holding the watermark back (ms). */
  readonly ruleUpdatesIdleMs: number;
}

function invalid(message: string): never {
  throw new FraudDetectionError('INVALID_CONFIG', `Invalid fraud-detection job parameter: ${message}`);
}

function num(params: JobParams, name: string, fallback: number | undefined): number | undefined {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  const value = typeof raw === 'number' ? raw : Number(raw);
  if (typeof raw === 'boolean' || !Number.isFinite(value))
    invalid(`${name} must be a number; got ${JSON.stringify(raw)}`);
  return value;
}

function json<T>(params: JobParams, name: string, fallback: T): T {
  const raw = params[name];
  if (raw === undefined || raw === '') return fallback;
  if (typeof raw !== 'string') invalid(`${name} must be a JSON string; got ${JSON.stringify(raw)}`);
  try {
    return JSON.parse(raw) as T;
  } catch (e) {
    return invalid(`${name} is not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

/**
 * Parses and defaults the embedded job's parameters (values are validated again by the generator
 * and the rules, which throw classified errors).
 * @example
 * ```ts
 * fraudDetectionJobParams({}).sink; // 'print'
 * ```
 */
export function fraudDetectionJobParams(params: JobParams = {}): FraudDetectionJobParams {
  const sink = params.sink ?? 'print';
  if (sink !== 'print' && sink !== 'collect' && sink !== 'file') {
    invalid(`sink must be 'print', 'collect' or 'file'; got ${JSON.stringify(sink)}`);
  }
  const alertDirectory = params.alertDirectory;
  if (alertDirectory !== undefined && typeof alertDirectory !== 'string') {
    invalid(`alertDirectory must be a directory path; got ${JSON.stringify(alertDirectory)}`);
  }
  if (sink === 'file' && (alertDirectory === undefined || alertDirectory === '')) {
    invalid("sink 'file' needs alertDirectory (where the alert part files go)");
  }
  const live = params.liveRuleUpdates ?? false;
  if (typeof live !== 'boolean') invalid(`liveRuleUpdates must be true or false; got ${JSON.stringify(live)}`);
  const ruleUpdates = json<unknown>(params, 'ruleUpdates', []);
  if (!Array.isArray(ruleUpdates)) invalid('ruleUpdates must be a JSON array of rule updates');
  return {
    seed: num(params, 'seed', 42) as number,
    accounts: num(params, 'accounts', 1_000) as number,
    shards: num(params, 'shards', 4) as number,
    count: num(params, 'count', undefined),
    recordsPerSecond: num(params, 'recordsPerSecond', undefined),
    fraudRate: num(params, 'fraudRate', 0.01) as number,
    maxDelayMs: num(params, 'maxDelayMs', 2_000) as number,
    outOfOrdernessMs: num(params, 'outOfOrdernessMs', 5_000) as number,
    startTime: num(params, 'startTime', undefined),
    sink,
    alertDirectory: alertDirectory === '' ? undefined : alertDirectory,
    rules: json<FraudRulesPatch>(params, 'rules', {}),
    ruleUpdates: ruleUpdates as RuleUpdate[],
    liveRuleUpdates: live,
    ruleUpdatesIdleMs: num(params, 'ruleUpdatesIdleMs', 1_000) as number,
  };
}
