import type { OperatorRuntimeContext } from '../../api/functions.ts';
import type { OperatorStateStore } from '../../state/operator-state.ts';

/** The user-facing runtime context of a non-keyed operator, with its operator state. */
export function operatorRuntimeContextOf(
  ctx: { uid: string; subtaskIndex: number; parallelism: number; maxParallelism: number },
  store: OperatorStateStore,
): OperatorRuntimeContext {
  return {
    operatorUid: ctx.uid,
    subtaskIndex: ctx.subtaskIndex,
    parallelism: ctx.parallelism,
    maxParallelism: ctx.maxParallelism,
    getListState: (d) => store.getListState(d),
  };
}
