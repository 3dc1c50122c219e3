import { isMarkedAsUntransferable } from 'node:worker_threads';
import type { ParticipantAck } from '../../checkpoint/checkpoint-coordinator.ts';

/**
 * The buffers of a checkpoint acknowledgement's state files that a worker may move to the
 * launcher instead of copying them (`postMessage(message, transfer)`): each file whose bytes are
 * a whole `ArrayBuffer` of their own that Node does not forbid moving (its Buffer pool does).
 * A view into a larger buffer is copied, as it may share that buffer with other data. After the
 * move the worker's views of these files are empty: the task loop does not read a state file
 * once it acknowledged it (it keeps only the checkpoint's options until the checkpoint
 * completes), and the snapshots that produce the files keep no reference to them.
 *
 * @example
 * ```ts
 * port.postMessage({ type: 'ack', ack }, transferableStateBuffers(ack));
 * ```
 */
export function transferableStateBuffers(ack: ParticipantAck): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>();
  for (const file of [...ack.files, ...(ack.sharedFiles ?? [])]) {
    const { buffer, byteOffset, byteLength } = file.bytes;
    if (!(buffer instanceof ArrayBuffer) || byteOffset !== 0 || byteLength !== buffer.byteLength) continue;
    if (byteLength === 0 || isMarkedAsUntransferable(buffer)) continue;
    buffers.add(buffer);
  }
  return [...buffers];
}

/**
 * Posts a checkpoint acknowledgement from a worker to the launcher (`{ type: 'ack', ack }`),
 * moving its state files' buffers ({@link transferableStateBuffers}) instead of copying them.
 *
 * @example
 * ```ts
 * postAck(parentPort, ack);
 * ```
 */
export function postAck(
  port: { postMessage(message: unknown, transfer: readonly ArrayBuffer[]): void },
  ack: ParticipantAck,
): void {
  port.postMessage({ type: 'ack', ack }, transferableStateBuffers(ack));
}
