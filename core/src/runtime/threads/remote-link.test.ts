import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { Mailbox } from '../mailbox.ts';
import { RemoteLink } from './remote-link.ts';

// Runtime internals (not public API), tested over a real MessageChannel.
describe('RemoteLink credit-based flow control', () => {
  it('keeps at most `credits` batches in flight and resumes when credits return', async () => {
    const { port1, port2 } = new MessageChannel();
    const received: unknown[][] = [];
    port2.on('message', (m) => received.push(m as unknown[]));
    const link = new RemoteLink(port1, new Mailbox(), () => {}, { credits: 2, maxBatchRecords: 3 });
    for (let i = 0; i < 12; i++) link.record(0, 1, 0, i, i); // 4 full batches of 3 records
    link.flush();
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(2);
    expect(link.blocked).toBe(true);
    port2.postMessage(1); // the receiver processed one batch
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(3);
    port2.postMessage(1);
    await new Promise((r) => setTimeout(r, 20));
    expect(received).toHaveLength(4);
    expect(link.blocked).toBe(false);
    const values = received.flatMap((batch) => batch.filter((_, i) => i % 6 === 4));
    expect(values).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    port1.close();
  });

  it('delivers batches on the mailbox and returns one credit per batch', async () => {
    const { port1, port2 } = new MessageChannel();
    const mailbox = new Mailbox();
    const delivered: unknown[] = [];
    new RemoteLink(port1, mailbox, (entries) => delivered.push(...entries));
    const credits: number[] = [];
    port2.on('message', (m) => credits.push(m as number));
    port2.postMessage([0, 0, 0, 0, 'x', 5]);
    await mailbox.waitForMail();
    expect(delivered).toEqual([]); // nothing runs outside the task loop
    mailbox.drain();
    expect(delivered).toEqual([0, 0, 0, 0, 'x', 5]);
    await new Promise((r) => setTimeout(r, 20));
    expect(credits).toEqual([1]);
    port1.close();
  });
});
