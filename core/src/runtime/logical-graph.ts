import type { KeyType } from '../state/key-groups.ts';
import type { StreamOperator } from './stream-operator.ts';
import type { Source } from '../api/source.ts';
import type { WatermarkStrategy } from '../time/watermark-strategy.ts';

/** How records travel along an edge between two operators. */
export type Partitioning =
  | { readonly kind: 'forward' }
  | { readonly kind: 'rebalance' }
  | { readonly kind: 'broadcast' }
  | { readonly kind: 'hash'; readonly keySelector: (value: unknown) => KeyType };

/** An input of a transformation: the upstream node, the partitioning, and (optionally) a side output. */
export interface TransformationInput {
  readonly upstream: Transformation;
  readonly partitioning: Partitioning;
  /** Take the upstream's side output with this tag id instead of its main output. */
  readonly sideOutputTag?: string;
  /** 0 or 1 for two-input operators. */
  readonly inputIndex: 0 | 1;
}

/** A node of the logical graph, built by the DataStream API and compiled by the runtime. */
export interface Transformation {
  readonly id: number;
  readonly kind: 'source' | 'operator';
  name: string;
  /** Stable id: keys state, metrics and savepoints. */
  uid: string | undefined;
  parallelism: number | undefined;
  readonly inputs: TransformationInput[];
  /** True when the operator keeps state (then a uid or name is required). */
  readonly stateful: boolean;
  /** Key selector of the operator's keyed input, if keyed. */
  readonly keySelector: ((value: unknown) => KeyType) | undefined;
  readonly twoInput: boolean;
  /** Creates one operator instance per subtask. */
  readonly createOperator: (() => StreamOperator<unknown>) | undefined;
  readonly source: { readonly source: Source<unknown>; readonly watermarks: WatermarkStrategy<unknown> } | undefined;
  /** A sink that must see its input once per subtask (set for sinks; used for naming). */
  readonly isSink: boolean;
  /** Whether the node's own parallelism cannot change (e.g. non-parallel sources). */
  readonly maxSourceParallelism: number | undefined;
  /** Set when the user named the operator explicitly (name or uid), so the name may key state. */
  named: boolean;
}
