/** Event time in milliseconds since the epoch. Records without a timestamp carry {@link NO_TIMESTAMP}. */
export type Timestamp = number;

/** Marks a record that has no event timestamp (e.g. before a timestamp assigner ran). */
export const NO_TIMESTAMP: Timestamp = Number.MIN_SAFE_INTEGER;

/** The watermark before any watermark was seen. */
export const MIN_WATERMARK: Timestamp = Number.MIN_SAFE_INTEGER;

/** The watermark that ends event time: every event-time window and timer fires. */
export const MAX_WATERMARK: Timestamp = Number.MAX_SAFE_INTEGER;
