import type { Transaction } from './transaction.ts';

/** The rules that raise alerts. */
export const ALERT_RULES = ['small-then-large', 'velocity', 'impossible-travel', 'amount-anomaly'] as const;

/** One of {@link ALERT_RULES}. */
export type AlertRule = (typeof ALERT_RULES)[number];

/**
 * A suspected fraud. Raised by the transaction that completes the pattern (the last of
 * `evidence`), at that transaction's event time. Its `id` is `<rule>:<transaction id>`: a rule
 * raises at most one alert per transaction, so ids are unique and stable across runs.
 *
 * @example
 * ```ts
 * alerts.filter('high-risk', (a) => a.rule === 'impossible-travel').print('travel');
 * ```
 */
export interface Alert {
  readonly id: string;
  readonly rule: AlertRule;
  readonly accountId: string;
  /** The card of the transaction that raised the alert. */
  readonly cardId: string;
  /** Event time of the transaction that raised the alert. */
  readonly eventTime: number;
  /** The transactions involved, in event-time order; the last one raised the alert. */
  readonly evidence: readonly Transaction[];
  /** Why, for people: `speed 5120 km/h > 1000 km/h`. */
  readonly reason: string;
}

/**
 * What identifies an alert, without the full transactions: what the generator's ground truth
 * lists and what golden tests compare.
 * @example
 * ```ts
 * const sig: AlertSignature = { rule: 'velocity', accountId: 'acct-1', cardId: 'card-1-0', eventTime: 1_000, evidenceIds: ['a', 'b'] };
 * ```
 */
export interface AlertSignature {
  readonly rule: AlertRule;
  readonly accountId: string;
  readonly cardId: string;
  readonly eventTime: number;
  readonly evidenceIds: readonly string[];
}

/**
 * The {@link AlertSignature} of an alert.
 * @example
 * ```ts
 * expect(alerts.map(alertSignature).sort(compareAlertSignatures)).toEqual(expected);
 * ```
 */
export function alertSignature(alert: Alert): AlertSignature {
  return {
    rule: alert.rule,
    accountId: alert.accountId,
    cardId: alert.cardId,
    eventTime: alert.eventTime,
    evidenceIds: alert.evidence.map((t) => t.id),
  };
}

/**
 * A total order on signatures (event time, rule, account, evidence), for order-insensitive comparison.
 * @example
 * ```ts
 * signatures.sort(compareAlertSignatures);
 * ```
 */
export function compareAlertSignatures(a: AlertSignature, b: AlertSignature): number {
  if (a.eventTime !== b.eventTime) return a.eventTime - b.eventTime;
  const ka = `${a.rule}|${a.accountId}|${a.cardId}|${a.evidenceIds.join(',')}`;
  const kb = `${b.rule}|${b.accountId}|${b.cardId}|${b.evidenceIds.join(',')}`;
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Builds an alert raised by the last transaction of `evidence`. */
export function raiseAlert(rule: AlertRule, evidence: readonly Transaction[], reason: string): Alert {
  const trigger = evidence[evidence.length - 1] as Transaction;
  return {
    id: `${rule}:${trigger.id}`,
    rule,
    accountId: trigger.accountId,
    cardId: trigger.cardId,
    eventTime: trigger.eventTime,
    evidence,
    reason,
  };
}
