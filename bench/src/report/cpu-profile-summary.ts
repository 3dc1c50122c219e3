/** The parts of a V8 `.cpuprofile` (as written by `node --cpu-prof`) that the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/** Self time of one function or one file. */
export interface SelfTime {
  readonly name: string;
  readonly selfMs: number;
  /** Share of all sampled time, 0..1. */
  readonly share: number;
}

/** What {@link summarizeCpuProfile} returns: the hottest functions and files by self time. */
export interface CpuProfileSummary {
  readonly totalMs: number;
  readonly functions: readonly SelfTime[];
  readonly files: readonly SelfTime[];
}

function top(map: Map<string, number>, totalMs: number, limit: number): SelfTime[] {
  return [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([name, us]) => ({ name, selfMs: us / 1000, share: totalMs > 0 ? us / 1000 / totalMs : 0 }));
}

/**
 * Self time per function (`name (file:line)`) and per file from a V8 CPU profile, hottest first.
 * Sample time deltas are attributed to the sampled node; paths are shown relative to `root`;
 * V8's pseudo-nodes keep their names ("(garbage collector)", "(program)", "(idle)").
 *
 * @example
 * ```ts
 * const summary = summarizeCpuProfile(JSON.parse(readFileSync(file, 'utf8')), process.cwd());
 * console.log(summary.functions[0]); // { name: 'add (core/dist/...:12)', selfMs: 812.5, share: 0.21 }
 * ```
 */
export function summarizeCpuProfile(profile: CpuProfile, root: string, limit = 12): CpuProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n.callFrame]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const prefix = `file://${root.endsWith('/') ? root : `${root}/`}`;
  const functions = new Map<string, number>();
  const files = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const frame = byId.get(id);
    if (frame === undefined) continue;
    total += us;
    const file = frame.url === '' ? '' : frame.url.startsWith(prefix) ? frame.url.slice(prefix.length) : frame.url;
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const fn = file === '' ? name : `${name} (${file}:${frame.lineNumber + 1})`;
    functions.set(fn, (functions.get(fn) ?? 0) + us);
    const fileKey = file === '' ? name : file;
    files.set(fileKey, (files.get(fileKey) ?? 0) + us);
  }
  const totalMs = total / 1000;
  return { totalMs, functions: top(functions, totalMs, limit), files: top(files, totalMs, limit) };
}
