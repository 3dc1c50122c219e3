import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { ParticipantAck } from '../../checkpoint/checkpoint-coordinator.ts';
import { postAck, transferableStateBuffers } from './ack-transfer.ts';

describe('transferableStateBuffers', () => {
  it('moves state files that own their whole buffer and copies the rest', () => {
    const own = Uint8Array.from({ length: 64 }, (_, i) => i);
    const shared = new Uint8Array(256);
    const view = shared.subarray(16, 48); // part of a larger buffer: copied
    const pooled = Buffer.from('tiny'); // Node's Buffer pool: may not be moved
    const ownShared = Uint8Array.of(9, 9, 9);
    const ack: ParticipantAck = {
      checkpointId: 4,
      files: [
        { path: 'a/0-of-1', bytes: own },
        { path: 'b/0-of-1', bytes: view },
        { path: 'c/0-of-1', bytes: pooled },
        { path: 'd/0-of-1', bytes: new Uint8Array(0) },
      ],
      sourcePositions: {},
      sharedFiles: [
        { path: 'shared/e', bytes: ownShared },
        { path: 'shared/e-again', bytes: ownShared }, // one buffer twice: listed once
      ],
      sharedRefs: ['shared/e'],
    };
    const transfer = transferableStateBuffers(ack);
    expect(transfer).toEqual([own.buffer, ownShared.buffer]);

    // Posted as a worker posts it, the receiver gets every file intact; the moved ones leave the sender.
    const { port1, port2 } = new MessageChannel();
    postAck(port1, ack);
    const received = receiveMessageOnPort(port2)?.message as { ack: ParticipantAck };
    port1.close();
    expect([...(received.ack.files[0]?.bytes ?? [])]).toEqual(Array.from({ length: 64 }, (_, i) => i));
    expect(Buffer.from(received.ack.files[2]?.bytes ?? []).toString()).toBe('tiny');
    expect(received.ack.files[1]?.bytes.length).toBe(32);
    expect([...(received.ack.sharedFiles?.[1]?.bytes ?? [])]).toEqual([9, 9, 9]);
    expect(own.length).toBe(0); // moved
    expect(view.length).toBe(32); // copied
    expect(pooled.toString()).toBe('tiny');
  });
});
