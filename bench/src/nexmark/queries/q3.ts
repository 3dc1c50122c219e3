import {
  type Collector,
  type DataStream,
  type KeyedCoProcessFunction,
  type KeyedProcessContext,
  type KeyedRuntimeContext,
  type ListState,
  ListStateDescriptor,
  type ValueState,
  ValueStateDescriptor,
} from '@sluice/core';
import type { Auction, NexmarkEvent, Person } from '../model.ts';

/**
 * q3's selection, as in the reference: sellers in these states, auctions in {@link Q3_CATEGORY}.
 *
 * @example
 * ```ts
 * const local = Q3_STATES.includes(person.state);
 * ```
 */
export const Q3_STATES: readonly string[] = ['OR', 'ID', 'CA'];
/** q3's auction category (10). @see {@link Q3_STATES} */
export const Q3_CATEGORY = 10;

/** One row of {@link q3}: a seller's name and place, and one of their auctions. */
export interface LocalItem {
  readonly name: string;
  readonly city: string;
  readonly state: string;
  readonly id: number;
}

interface Seller {
  readonly name: string;
  readonly city: string;
  readonly state: string;
}

/**
 * Joins sellers (input 1) with their auctions (input 2), keyed by person id. A seller is kept for
 * good; an auction that arrives before its seller waits in state. Sellers come before their
 * auctions in event time, so once the watermark passes an auction's time its seller has arrived if
 * it ever will (the seller is outside the selected states): waiting auctions are then dropped.
 */
class LocalItemJoin implements KeyedCoProcessFunction<number, Person, Auction, LocalItem> {
  private seller!: ValueState<Seller>;
  private waiting!: ListState<number>;

  open(ctx: KeyedRuntimeContext): void {
    this.seller = ctx.getState(new ValueStateDescriptor<Seller>('seller'));
    this.waiting = ctx.getListState(new ListStateDescriptor<number>('waiting-auctions'));
  }

  processElement1(p: Person, _ctx: KeyedProcessContext<number>, out: Collector<LocalItem>): void {
    const seller = { name: p.name, city: p.city, state: p.state };
    this.seller.update(seller);
    for (const id of this.waiting.get()) out.collect({ ...seller, id });
    this.waiting.clear();
  }

  processElement2(a: Auction, ctx: KeyedProcessContext<number>, out: Collector<LocalItem>): void {
    const seller = this.seller.value();
    if (seller !== undefined) {
      out.collect({ name: seller.name, city: seller.city, state: seller.state, id: a.id });
      return;
    }
    this.waiting.add(a.id);
    ctx.timerService().registerEventTimeTimer(a.dateTime);
  }

  onTimer(): void {
    if (this.seller.value() === undefined) this.waiting.clear();
  }
}

/**
 * Nexmark q3, local item suggestion: every auction in category 10 by a seller from Oregon, Idaho
 * or California, with the seller's name, city and state (an incremental join; persons are kept in
 * keyed state, as the reference's unbounded join).
 *
 * @example
 * ```ts
 * q3(events).sinkTo(sink); // { name: 'julie white', city: 'boise', state: 'ID', id: 1042 }
 * ```
 */
export function q3(events: DataStream<NexmarkEvent>): DataStream<LocalItem> {
  const sellers = events.filter(
    'q3-sellers',
    (e) => e.kind === 'person' && Q3_STATES.includes(e.state),
  ) as unknown as DataStream<Person>;
  const auctions = events.filter(
    'q3-auctions',
    (e) => e.kind === 'auction' && e.category === Q3_CATEGORY,
  ) as unknown as DataStream<Auction>;
  return sellers
    .connect(auctions)
    .keyBy(
      (p) => p.id,
      (a) => a.seller,
    )
    .process('q3-local-items', new LocalItemJoin());
}
