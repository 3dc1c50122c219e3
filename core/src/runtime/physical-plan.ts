import { SluiceError } from '../errors.ts';
import type { Partitioning, Transformation } from './logical-graph.ts';

/** An operator of the physical plan with its resolved parallelism and uid. */
export interface JobVertex {
  readonly id: number;
  readonly transformation: Transformation;
  readonly name: string;
  readonly uid: string;
  readonly parallelism: number;
  /** Id of the chain (task) this operator runs in: forward edges with equal parallelism are chained. */
  chain: number;
}

/** A connection between two vertices. */
export interface JobEdge {
  readonly from: number;
  readonly to: number;
  readonly partitioning: Partitioning;
  readonly sideOutputTag: string | undefined;
  readonly inputIndex: 0 | 1;
  readonly chained: boolean;
}

/** The compiled job: vertices in topological order, edges, chains. */
export interface PhysicalPlan {
  readonly vertices: readonly JobVertex[];
  readonly edges: readonly JobEdge[];
  readonly maxParallelism: number;
}

/** Options the compiler needs from the environment. */
export interface PlanOptions {
  readonly parallelism: number;
  readonly maxParallelism: number;
}

/**
 * Logical graph → physical plan: resolves parallelism and uids, checks that stateful operators are
 * named and uids are unique, turns forward edges between different parallelisms into rebalance
 * edges, and chains forward edges between operators of equal parallelism.
 */
export function compilePlan(transformations: readonly Transformation[], options: PlanOptions): PhysicalPlan {
  const sorted = [...transformations].sort((a, b) => a.id - b.id);
  const vertices: JobVertex[] = [];
  const byId = new Map<number, JobVertex>();
  const uids = new Map<string, string>();

  for (const t of sorted) {
    if (t.stateful && !t.named && t.uid === undefined) {
      throw new SluiceError(
        'MISSING_UID',
        `Operator '${t.name}' keeps state but has no stable name, so its state could not be matched on restore. ` +
          `Give it one: pass a name as the first argument (e.g. keyed.process('dedupe', fn)) or call .uid('dedupe').`,
      );
    }
    const uid = t.uid ?? (t.named ? t.name : `${t.name}-${t.id}`);
    const clash = uids.get(uid);
    if (clash !== undefined) {
      throw new SluiceError(
        'DUPLICATE_UID',
        `Two operators share the uid '${uid}' ('${clash}' and '${t.name}'); uids key state, so each must be unique.`,
      );
    }
    uids.set(uid, t.name);
    const cap = t.maxSourceParallelism ?? Number.POSITIVE_INFINITY;
    const parallelism = t.parallelism ?? Math.min(options.parallelism, cap);
    if (!(parallelism >= 1) || !Number.isInteger(parallelism)) {
      throw new SluiceError(
        'INVALID_ARGUMENT',
        `Operator '${t.name}': parallelism must be an integer >= 1; got ${parallelism}.`,
      );
    }
    if (parallelism > cap) {
      throw new SluiceError(
        'INVALID_PIPELINE',
        `Source '${t.name}' supports parallelism ${cap} at most; got ${parallelism}.`,
      );
    }
    if (parallelism > options.maxParallelism) {
      throw new SluiceError(
        'INVALID_PIPELINE',
        `Operator '${t.name}' has parallelism ${parallelism} above maxParallelism ${options.maxParallelism}; raise maxParallelism.`,
      );
    }
    const v: JobVertex = { id: t.id, transformation: t, name: t.name, uid, parallelism, chain: t.id };
    vertices.push(v);
    byId.set(t.id, v);
  }

  const edges: JobEdge[] = [];
  for (const v of vertices) {
    const inputs = v.transformation.inputs;
    for (const input of inputs) {
      const from = byId.get(input.upstream.id);
      if (from === undefined) {
        throw new SluiceError(
          'ILLEGAL_STATE',
          `Operator '${v.name}' reads from an operator that is not part of the job.`,
        );
      }
      let partitioning = input.partitioning;
      if (partitioning.kind === 'forward' && from.parallelism !== v.parallelism) partitioning = { kind: 'rebalance' };
      const chained =
        partitioning.kind === 'forward' &&
        inputs.length === 1 &&
        !v.transformation.twoInput &&
        input.sideOutputTag === undefined;
      edges.push({
        from: from.id,
        to: v.id,
        partitioning,
        sideOutputTag: input.sideOutputTag,
        inputIndex: input.inputIndex,
        chained,
      });
    }
  }
  // Chains: follow chained edges from their heads (vertices are in topological order).
  const chainedInto = new Map<number, number>();
  for (const e of edges) if (e.chained) chainedInto.set(e.to, e.from);
  for (const v of vertices) {
    const upstream = chainedInto.get(v.id);
    if (upstream !== undefined) v.chain = (byId.get(upstream) as JobVertex).chain;
  }
  return { vertices, edges, maxParallelism: options.maxParallelism };
}

/** A plain description of a plan (for `JobClient.plan` and the REST API). */
export function describePlan(plan: PhysicalPlan): {
  vertices: { id: number; name: string; uid: string; parallelism: number; chain: number }[];
  edges: { from: number; to: number; partitioning: string; sideOutput?: string }[];
} {
  return {
    vertices: plan.vertices.map((v) => ({
      id: v.id,
      name: v.name,
      uid: v.uid,
      parallelism: v.parallelism,
      chain: v.chain,
    })),
    edges: plan.edges.map((e) => ({
      from: e.from,
      to: e.to,
      partitioning: e.partitioning.kind,
      ...(e.sideOutputTag === undefined ? {} : { sideOutput: e.sideOutputTag }),
    })),
  };
}
