import { MAX_WATERMARK, MIN_WATERMARK, type Timestamp } from '../time/timestamps.ts';
import type { SourceOperator } from './operators/source-operator.ts';

/** What one thread tells the others about an alignment group: its subtasks' lowest watermark. */
export interface AlignmentReport {
  readonly group: string;
  readonly slot: number;
  /** The lowest watermark of the slot's subtasks in the group ({@link MAX_WATERMARK}: none holds it back). */
  readonly watermark: Timestamp;
}

/** One alignment group as this thread sees it. */
interface Group {
  readonly name: string;
  updateIntervalMs: number;
  readonly sources: SourceOperator<unknown>[];
  /** Other slots with subtasks in the group → their last reported watermark. */
  readonly remote: Map<number, Timestamp>;
  /** The last watermark this slot reported (reports are sent when it changed). */
  reported: Timestamp | undefined;
}

/** A source vertex of the plan, as alignment needs it. */
export interface AlignedVertex {
  readonly group: string;
  readonly updateIntervalMs: number;
  /** Slots that run at least one subtask of the vertex. */
  readonly slots: readonly number[];
}

/**
 * Watermark alignment across the source subtasks of a task loop and, through reports, of the
 * other threads ({@link WatermarkStrategy.withWatermarkAlignment}, like Flink's FLIP-182).
 * Every slot that runs a subtask of a group publishes the lowest watermark of its subtasks; each
 * slot takes the lowest over all slots and lets its own subtasks run up to their drift past it.
 * A slot whose report has not arrived yet counts as {@link MIN_WATERMARK}, so a thread that
 * starts late holds the others back instead of finding its records' windows far behind.
 *
 * @example
 * ```ts
 * const alignment = new WatermarkAlignment(slot, vertices, localSources, (to, report) => send(to, report));
 * alignment.update(); // every updateIntervalMs, and when a local source finished
 * alignment.onReport(report); // a report from another slot
 * ```
 */
export class WatermarkAlignment {
  private readonly groups = new Map<string, Group>();
  private readonly slot: number;
  private readonly send: (toSlot: number, report: AlignmentReport) => void;

  constructor(
    slot: number,
    vertices: readonly AlignedVertex[],
    localSources: readonly SourceOperator<unknown>[],
    send: (toSlot: number, report: AlignmentReport) => void,
  ) {
    this.slot = slot;
    this.send = send;
    for (const vertex of vertices) {
      let group = this.groups.get(vertex.group);
      if (group === undefined) {
        group = {
          name: vertex.group,
          updateIntervalMs: vertex.updateIntervalMs,
          sources: [],
          remote: new Map(),
          reported: undefined,
        };
        this.groups.set(vertex.group, group);
      } else {
        group.updateIntervalMs = Math.min(group.updateIntervalMs, vertex.updateIntervalMs);
      }
      for (const s of vertex.slots) if (s !== slot) group.remote.set(s, MIN_WATERMARK);
    }
    for (const source of localSources) {
      const spec = source.alignment;
      if (spec !== undefined) this.groups.get(spec.group)?.sources.push(source);
    }
  }

  /** The shortest update interval of the groups (ms). */
  get updateIntervalMs(): number {
    let min = Number.POSITIVE_INFINITY;
    for (const g of this.groups.values()) min = Math.min(min, g.updateIntervalMs);
    return min;
  }

  /** Publishes this slot's watermark of every group (when it changed) and re-aligns the local subtasks. */
  update(): void {
    for (const group of this.groups.values()) {
      const local = localWatermark(group);
      if (local !== group.reported && group.remote.size > 0) {
        group.reported = local;
        for (const to of group.remote.keys()) this.send(to, { group: group.name, slot: this.slot, watermark: local });
      }
      align(group, local);
    }
  }

  /** A report from another slot: re-aligns the local subtasks of its group. */
  onReport(report: AlignmentReport): void {
    const group = this.groups.get(report.group);
    if (group === undefined || !group.remote.has(report.slot)) return;
    group.remote.set(report.slot, report.watermark);
    align(group, localWatermark(group));
  }
}

function localWatermark(group: Group): Timestamp {
  let min = MAX_WATERMARK;
  for (const s of group.sources) min = Math.min(min, s.alignmentWatermark);
  return min;
}

function align(group: Group, local: Timestamp): void {
  let min = local;
  for (const w of group.remote.values()) if (w < min) min = w;
  for (const s of group.sources) s.alignTo(min);
}
