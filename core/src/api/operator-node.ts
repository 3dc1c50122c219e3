import { SluiceError } from '../errors.ts';
import type { Partitioning, TransformationInput } from '../runtime/logical-graph.ts';
import type { StreamOperator } from '../runtime/stream-operator.ts';
import type { KeyType } from '../state/key-groups.ts';
import { DataStream } from './data-stream.ts';

/** @internal One input of a new operator node: a stream and, optionally, how to repartition it. */
export interface NodeInput {
  readonly stream: DataStream<unknown>;
  /** Replaces the stream's own partitioning (keyBy / broadcast of this input). */
  readonly partitioning?: Partitioning;
}

/** @internal Options of a new operator node. */
export interface NodeSpec {
  readonly name: string;
  readonly named: boolean;
  readonly stateful: boolean;
  /** Set for keyed operators: the runtime gives them a keyed state backend. */
  readonly keySelector?: (value: unknown) => KeyType;
  readonly create: () => StreamOperator<unknown>;
}

function inputsOf(input: NodeInput, inputIndex: 0 | 1): TransformationInput[] {
  const { stream, partitioning } = input;
  return stream.inputs.map((i) => ({ ...i, inputIndex, ...(partitioning === undefined ? {} : { partitioning }) }));
}

/**
 * @internal Adds an operator node reading `first` (input 0) and, for two-input operators,
 * `second` (input 1); returns its output stream.
 */
export function addOperatorNode<R>(spec: NodeSpec, first: NodeInput, second?: NodeInput): DataStream<R> {
  const env = first.stream.env;
  if (second !== undefined && second.stream.env !== env) {
    throw new SluiceError('INVALID_PIPELINE', `Operator '${spec.name}' connects streams of different environments.`);
  }
  const t = env.addTransformation({
    kind: 'operator',
    name: spec.name,
    named: spec.named,
    inputs: [...inputsOf(first, 0), ...(second === undefined ? [] : inputsOf(second, 1))],
    stateful: spec.stateful,
    keySelector: spec.keySelector,
    twoInput: second !== undefined,
    createOperator: spec.create,
    source: undefined,
    isSink: false,
    maxSourceParallelism: undefined,
  });
  return new DataStream<R>(env, [{ upstream: t, partitioning: { kind: 'forward' }, inputIndex: 0 }], t);
}
