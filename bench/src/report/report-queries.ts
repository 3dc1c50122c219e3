/** What the report says about one Nexmark query: its title and the throughput target. */
export interface ReportedQuery {
  readonly title: string;
  /** Events/s at parallelism 1 that the query should reach; none for q12. */
  readonly target?: number;
}

/**
 * The queries of the Nexmark report with the targets (one thread): q0-q2 at least
 * 1M events/s; q5, q7, q8, q11 at least 300k; q3, q4 at least 200k; q12 has none.
 *
 * @example
 * ```ts
 * const { title, target } = REPORTED_QUERIES.q5 ?? { title: 'q5' };
 * ```
 */
export const REPORTED_QUERIES: Readonly<Record<string, ReportedQuery>> = {
  q0: { title: 'pass-through', target: 1_000_000 },
  q1: { title: 'currency conversion', target: 1_000_000 },
  q2: { title: 'selection', target: 1_000_000 },
  q3: { title: 'local item suggestion (incremental join)', target: 200_000 },
  q4: { title: 'average price per category', target: 200_000 },
  q5: { title: 'hot items (10 s windows sliding by 2 s)', target: 300_000 },
  q7: { title: 'highest bid (10 s tumbling windows)', target: 300_000 },
  q8: { title: 'new users (10 s tumbling window join)', target: 300_000 },
  q11: { title: 'user sessions (10 s gap)', target: 300_000 },
  q12: { title: 'processing-time windows (1 s in the benchmark)' },
};
