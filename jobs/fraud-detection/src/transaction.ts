/** A point on Earth, in decimal degrees (WGS 84). */
export interface Location {
  readonly lat: number;
  readonly lon: number;
}

/** Merchant categories the generator uses (any string is accepted by the rules). */
export const MERCHANT_CATEGORIES = [
  'grocery',
  'restaurant',
  'fuel',
  'retail',
  'travel',
  'online',
  'electronics',
  'pharmacy',
  'entertainment',
  'utilities',
] as const;

/** One of {@link MERCHANT_CATEGORIES}, or another category of your own. */
export type MerchantCategory = (typeof MERCHANT_CATEGORIES)[number] | (string & {});

/** Where a card was used. */
export interface Merchant {
  readonly id: string;
  readonly category: MerchantCategory;
}

/** A customer account; it holds one or more cards. */
export interface Account {
  readonly id: string;
  readonly cardIds: readonly string[];
}

/** A payment card of an {@link Account}. */
export interface Card {
  readonly id: string;
  readonly accountId: string;
}

/**
 * A card payment, the input of the fraud-detection job.
 *
 * Amounts are **integer cents** (`amountCents: 12_345` is $123.45), so thresholds compare exactly.
 * `eventTime` is when the payment happened (ms since the epoch); the job runs on event time, so
 * the stream's timestamps must be this field (see {@link transactionWatermarks}).
 *
 * @example
 * ```ts
 * const tx: Transaction = {
 *   id: 'tx-1', cardId: 'card-1', accountId: 'acct-1', amountCents: 4_250,
 *   merchant: { id: 'm-42', category: 'grocery' }, location: { lat: 48.85, lon: 2.35 },
 *   eventTime: 1_700_000_000_000,
 * };
 * ```
 */
export interface Transaction {
  /** Unique id; also the tie-breaker between transactions of one key with equal event times. */
  readonly id: string;
  readonly cardId: string;
  readonly accountId: string;
  /** Amount in integer cents. */
  readonly amountCents: number;
  readonly merchant: Merchant;
  readonly location: Location;
  /** Event time, ms since the epoch. */
  readonly eventTime: number;
}
