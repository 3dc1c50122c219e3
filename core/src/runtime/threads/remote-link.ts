import type { Mailbox } from '../mailbox.ts';
import { type BatchReceiver, ColumnarDecoder, ColumnarEncoder, isColumnarBatch } from './columnar-batch.ts';

/**
 * Entry opcodes of a batch between threads. An entry is op, edge, consumer, channel, payload and
 * timestamp: 6 slots of a flat array with structured clone, columns with the 'json' codec.
 */
export const OP_RECORD = 0;
export const OP_WATERMARK = 1;
export const OP_IDLE = 2;
export const OP_END = 3;
/** A checkpoint barrier; the payload is the checkpoint id. */
export const OP_BARRIER = 4;
/** Splits assigned to a source reader on another slot (payload: the splits, or null for no more splits). */
export const OP_SPLITS = 5;
/** A checkpoint trigger forwarded by slot 0 (payload: { checkpointId, options }), in order after earlier split assignments. */
export const OP_TRIGGER = 6;
/** A watermark alignment report for the receiving slot's sources (payload: an `AlignmentReport`, watermark-alignment.ts). */
export const OP_ALIGN = 7;
const SLOTS = 6;

/**
 * How records are encoded between threads: 'structured-clone' (default) accepts anything
 * postMessage does (Maps, Dates, bigints, typed arrays); 'json' is several times faster for plain
 * data but requires JSON-safe records (objects, arrays, strings, finite numbers, booleans, null):
 * records come out as `JSON.parse(JSON.stringify(record))`. Flat objects of numbers, strings and
 * booleans travel in columns (see columnar-batch.ts), everything else as JSON.
 */
export type CrossThreadCodec = 'structured-clone' | 'json';

/** The port a link sends on: a worker_threads MessagePort or anything shaped like it. */
export interface LinkPort {
  /** `transfer`: ArrayBuffers moved to the receiver (MessagePort's transfer list). */
  postMessage(message: unknown, transfer?: ArrayBuffer[]): void;
  on(event: 'message', listener: (message: unknown) => void): void;
  close?(): void;
}

/**
 * The channel from this thread to one other thread. Records and control events (watermarks,
 * idleness, end of input) go into one ordered batch, sent when it is full or when the task loop
 * finishes a step: with the 'json' codec each record is written into the batch's columns as it
 * arrives (see columnar-batch.ts); with structured clone the batch is a flat array (6 slots per
 * entry). Credit-based flow control: at most `credits` batches are in flight; the receiver returns
 * a credit after it processed a batch. While a link has batches waiting for credit it is
 * `blocked`, and the task loop stops polling its sources. Received batches go to the
 * {@link BatchReceiver}, entry by entry, from the mailbox.
 */
export class RemoteLink implements BatchReceiver {
  private readonly port: LinkPort;
  private readonly maxBatchEntries: number;
  /** The batch being built, for structured clone: flat entries. */
  private buffer: unknown[] = [];
  /** Batches waiting for credit: flat arrays (structured clone) or encoded ones ('json'). */
  private readonly waiting: unknown[] = [];
  private credits: number;
  /** Credits for batches processed while the gate said to hold them (local backpressure). */
  private heldCredits = 0;
  private holdCredits: () => boolean = () => false;

  /** The batch being built, for the 'json' codec. */
  private readonly encoder: ColumnarEncoder | undefined;

  constructor(
    port: LinkPort,
    mailbox: Mailbox,
    receiver: BatchReceiver,
    options: { credits?: number; maxBatchRecords?: number; codec?: CrossThreadCodec } = {},
  ) {
    this.port = port;
    this.credits = options.credits ?? 16;
    this.maxBatchEntries = options.maxBatchRecords ?? 1024;
    this.encoder = options.codec === 'json' ? new ColumnarEncoder() : undefined;
    const decoder = new ColumnarDecoder();
    port.on('message', (message) => {
      if (typeof message === 'number') {
        this.credits += message;
        this.sendWaiting();
        mailbox.submit(() => {}); // wake the loop: sources may be polled again
        return;
      }
      mailbox.submit(() => {
        if (isColumnarBatch(message)) decoder.decode(message, receiver);
        else receiveFlat(message as unknown[], receiver);
        if (this.holdCredits()) this.heldCredits++;
        else port.postMessage(1);
      });
    });
  }

  /**
   * While `hold()` is true (an operator of this thread is backpressured), processed batches do
   * not return their credit, so the sender stops after its credits and backpressure reaches the
   * sources of other threads; {@link releaseCredits} returns them once `hold()` is false.
   */
  setCreditGate(hold: () => boolean): void {
    this.holdCredits = hold;
  }

  /** Returns the credits held back, unless the gate still holds them. */
  releaseCredits(): void {
    if (this.heldCredits === 0 || this.holdCredits()) return;
    this.port.postMessage(this.heldCredits);
    this.heldCredits = 0;
  }

  /** True while batches wait for credit (backpressure). */
  get blocked(): boolean {
    return this.waiting.length > 0;
  }

  record(edge: number, consumer: number, channel: number, value: unknown, timestamp: number): void {
    const encoder = this.encoder;
    if (encoder !== undefined) {
      encoder.record(edge, consumer, channel, value, timestamp);
      if (encoder.size >= this.maxBatchEntries) this.flush();
      return;
    }
    this.buffer.push(OP_RECORD, edge, consumer, channel, value, timestamp);
    if (this.buffer.length >= this.maxBatchEntries * SLOTS) this.flush();
  }

  control(op: number, edge: number, consumer: number, channel: number, payload: unknown): void {
    if (this.encoder !== undefined) this.encoder.control(op, edge, consumer, channel, payload);
    else this.buffer.push(op, edge, consumer, channel, payload, 0);
  }

  /** Sends what is buffered (as one batch), subject to credit. */
  flush(): void {
    if (this.encoder === undefined) {
      if (this.buffer.length === 0) return;
      this.waiting.push(this.buffer);
      this.buffer = [];
    } else {
      if (this.encoder.size === 0) return;
      this.waiting.push(this.encoder.finish());
    }
    this.sendWaiting();
  }

  private sendWaiting(): void {
    while (this.credits > 0 && this.waiting.length > 0) {
      this.credits--;
      const batch = this.waiting.shift();
      if (isColumnarBatch(batch)) this.port.postMessage(batch, [batch.buf]);
      else this.port.postMessage(batch);
    }
  }
}

/** Hands a flat batch (structured clone: 6 slots per entry) to `to`, entry by entry. */
export function receiveFlat(entries: readonly unknown[], to: BatchReceiver): void {
  for (let i = 0; i < entries.length; i += SLOTS) {
    const op = entries[i] as number;
    const edge = entries[i + 1] as number;
    const consumer = entries[i + 2] as number;
    const channel = entries[i + 3] as number;
    if (op === OP_RECORD) to.record(edge, consumer, channel, entries[i + 4], entries[i + 5] as number);
    else to.control(op, edge, consumer, channel, entries[i + 4]);
  }
}
