/** A V8 CPU profile (`node --cpu-prof`), the fields inclusive times need. */
export interface CallTreeProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

/**
 * Inclusive CPU time (ms) of each named function: the time of every sample with that function
 * anywhere on its stack (counted once per sample, also when it recurses). A function matches
 * when its name equals the wanted name and its script URL ends with the wanted file, e.g.
 * `{ name: 'triggerCheckpoint', file: 'runtime/local-executor.ts' }`; 0 when it never ran.
 *
 * @example
 * ```ts
 * const [sync] = inclusiveMs(profile, [{ name: 'triggerCheckpoint', file: 'local-executor.ts' }]);
 * ```
 */
export function inclusiveMs(
  profile: CallTreeProfile,
  wanted: readonly { readonly name: string; readonly file: string }[],
): number[] {
  const parent = new Map<number, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const n of profile.nodes) for (const child of n.children ?? []) parent.set(child, n.id);
  const matchOf = new Map<number, number>();
  for (const n of profile.nodes) {
    const i = wanted.findIndex((w) => n.callFrame.functionName === w.name && n.callFrame.url.endsWith(w.file));
    if (i >= 0) matchOf.set(n.id, i);
  }
  const totals = wanted.map(() => 0);
  profile.samples.forEach((sample, s) => {
    const ms = (profile.timeDeltas[s] ?? 0) / 1000;
    const seen = new Set<number>();
    for (let id: number | undefined = sample; id !== undefined && byId.has(id); id = parent.get(id)) {
      const i = matchOf.get(id);
      if (i !== undefined && !seen.has(i)) {
        seen.add(i);
        totals[i] = (totals[i] as number) + ms;
      }
    }
  });
  return totals.map((t) => Math.round(t));
}
