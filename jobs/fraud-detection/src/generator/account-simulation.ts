import { SeededRandom } from '@sluice/core';
import type { AlertSignature } from '../alert.ts';
import { addAmount, type AmountStats, EMPTY_AMOUNT_STATS, standardDeviation } from '../amount-stats.ts';
import { distanceKm, travelSpeedKmh } from '../geo.ts';
import { rulesAt } from '../rule-update.ts';
import { anomalyZScore } from '../rules/amount-anomaly-rule.ts';
import { type Location, MERCHANT_CATEGORIES, type Transaction } from '../transaction.ts';
import { CITIES } from './cities.ts';
import type { ResolvedGeneratorOptions } from './generator-options.ts';

/** A generated transaction with the alerts it must raise (ground truth). */
export interface GeneratedTransaction {
  readonly tx: Transaction;
  readonly alerts: readonly AlertSignature[];
}

const HOUR = 3_600_000;
const CITY_RADIUS_KM = 20;
const KM_PER_DEGREE = 111.32;

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

/**
 * One simulated account: a profile (home city, typical amount and spread, favourite merchant
 * categories, how often it pays, one or two cards) and a sequence of activities, each a normal
 * payment or, with probability `fraudRate`, an injected fraud pattern.
 *
 * Normal behaviour is kept clear of every rule under every rules version of the timeline:
 * amounts are neither small nor large, activities are at least `minGapMs` apart (longer than any
 * velocity or small-then-large window), and a card's consecutive payments never need more than
 * half the lowest plane speed. Injected patterns are built to raise (or, for near misses, not to raise) a
 * given alert, and the ground truth is evaluated with the rules in force at each transaction's
 * event time. Only the amount-anomaly rule needs history: the simulation keeps the same running
 * statistics as the rule.
 */
export class AccountSimulation {
  readonly index: number;
  readonly id: string;
  private readonly o: ResolvedGeneratorOptions;
  private readonly random = new SeededRandom();
  private readonly cards: string[] = [];
  private readonly home: number;
  private city: number;
  private tripLeft = 0;
  private readonly meanCents: number;
  private readonly sdCents: number;
  private readonly categories: string[] = [];
  private readonly meanGapMs: number;
  /** Time of the account's last transaction (any kind). */
  private lastTime: number;
  private readonly lastByCard = new Map<string, Transaction>();
  private stats: AmountStats = EMPTY_AMOUNT_STATS;
  private seq = 0;

  constructor(options: ResolvedGeneratorOptions, index: number) {
    this.o = options;
    this.index = index;
    this.id = `acct-${pad(index, 6)}`;
    this.random.reset(options.seed ^ 0x2545f491, index);
    const r = this.random;
    const cardCount = r.next() < 0.35 ? 2 : 1;
    for (let c = 0; c < cardCount; c++) this.cards.push(`card-${pad(index, 6)}-${c}`);
    this.home = r.nextInt(CITIES.length);
    this.city = this.home;
    const lo = options.bounds.maxSmallBelow + 500;
    const hi = Math.max(lo, Math.floor(options.bounds.minLargeAbove / 3));
    this.meanCents = Math.min(hi, Math.max(lo, Math.round(Math.exp(Math.log(3_500) + 0.7 * this.gaussian()))));
    this.sdCents = this.meanCents * (0.15 + 0.35 * r.next());
    const pool = [...MERCHANT_CATEGORIES];
    for (let i = 0; i < 3; i++) this.categories.push(pool.splice(r.nextInt(pool.length), 1)[0] as string);
    this.meanGapMs = Math.round((1 + 23 * r.next()) * HOUR);
    this.lastTime = options.startTime + r.nextInt(this.meanGapMs) - options.minGapMs;
  }

  /** The transactions of the account's next activity, in event-time order (at least one). */
  nextActivity(): GeneratedTransaction[] {
    const r = this.random;
    const start = this.lastTime + this.o.minGapMs + Math.round(-Math.log(1 - r.next()) * this.meanGapMs);
    if (r.next() < this.o.fraudRate) {
      const kind = r.nextInt(4);
      const pattern =
        kind === 0
          ? this.smallThenLarge(start)
          : kind === 1
            ? this.velocityBurst(start)
            : kind === 2
              ? this.travelFraud()
              : this.amountAnomaly(start);
      if (pattern !== undefined) return pattern;
    }
    return [this.normal(start)];
  }

  // ---- patterns ----

  private normal(start: number): GeneratedTransaction {
    const r = this.random;
    if (this.city !== this.home && this.tripLeft === 0) this.city = this.home;
    else if (this.city === this.home && r.next() < 0.02) {
      const other = r.nextInt(CITIES.length - 1);
      this.city = other >= this.home ? other + 1 : other;
      this.tripLeft = 2 + r.nextInt(5);
    }
    if (this.city !== this.home) this.tripLeft--;
    const point = this.pointIn(this.city);
    const card = this.card();
    return this.record(card, this.slowArrival(start, card, point), this.normalAmount(), point);
  }

  /** A small payment, then a large one on the same card and spot: within the window, or just too late. */
  private smallThenLarge(start: number): GeneratedTransaction[] | undefined {
    const b = this.o.bounds;
    if (b.minSmallBelow < 2) return undefined;
    const r = this.random;
    const point = this.pointIn(this.city);
    const card = this.card();
    const t1 = this.slowArrival(start, card, point);
    const small = this.record(card, t1, 1 + r.nextInt(b.minSmallBelow - 1), point);
    const tooLate = r.next() < 0.25;
    const dt = tooLate ? b.maxWithin + 1 + r.nextInt(60_000) : 1 + r.nextInt(b.minWithin);
    const large = this.record(card, t1 + dt, b.maxLargeAbove + 1 + r.nextInt(200_000), point, (tx) => {
      const rule = rulesAt(this.o.timeline, tx.eventTime).smallThenLarge;
      const wasSmall = small.tx.amountCents < rulesAt(this.o.timeline, t1).smallThenLarge.smallBelowCents;
      const fires = rule.enabled && wasSmall && tx.amountCents > rule.largeAboveCents && dt <= rule.withinMs;
      return fires ? [this.signature('small-then-large', [small.tx, tx])] : [];
    });
    return [small, large];
  }

  /** N, N+1, N+2 or N+3 payments of one card at one spot within half the shortest velocity window. */
  private velocityBurst(start: number): GeneratedTransaction[] | undefined {
    const r = this.random;
    const b = this.o.bounds;
    const n = rulesAt(this.o.timeline, start).velocity.maxTransactions;
    const k = n + [0, 1, 1, 2, 3][r.nextInt(5)]!;
    const maxGap = Math.floor(b.minVelocityWindow / 2 / (k - 1));
    if (maxGap < 1) return undefined;
    const card = this.card();
    const point = this.pointIn(this.city);
    const burst: GeneratedTransaction[] = [];
    const txs: Transaction[] = [];
    let inBurst = false;
    let t = this.slowArrival(start, card, point);
    for (let j = 1; j <= k; j++) {
      if (j > 1) t += 1 + Math.floor(maxGap / 4) + r.nextInt(maxGap - Math.floor(maxGap / 4));
      burst.push(
        this.record(card, t, this.normalAmount(), point, (tx) => {
          txs.push(tx);
          // The window [t - T, t] holds exactly the burst so far: the span is <= T / 2 and the
          // card's previous payment is more than any T earlier.
          const rule = rulesAt(this.o.timeline, tx.eventTime).velocity;
          if (j > rule.maxTransactions) {
            if (inBurst) return [];
            inBurst = true;
            return rule.enabled ? [this.signature('velocity', [...txs])] : [];
          }
          inBurst = false;
          return [];
        }),
      );
    }
    return burst;
  }

  /** A payment of one card far away, sooner after its previous one than a plane at twice the top speed could fly. */
  private travelFraud(): GeneratedTransaction[] | undefined {
    const r = this.random;
    const b = this.o.bounds;
    const card = this.card();
    const previous = this.lastByCard.get(card);
    if (previous === undefined) return undefined;
    const far = CITIES.map((_, i) => i).filter((i) => distanceKm(CITIES[i]!, previous.location) >= 2_000);
    const point = this.pointIn(far[r.nextInt(far.length)]!);
    const km = distanceKm(previous.location, point);
    const earliest = this.lastTime + b.maxVelocityWindow + 1_000;
    const latest = previous.eventTime + Math.floor((km / (2 * b.maxSpeed)) * HOUR);
    if (latest < earliest) return undefined;
    const t = earliest + r.nextInt(latest - earliest + 1);
    const fraud = this.record(card, t, this.normalAmount(), point, (tx) => {
      const rule = rulesAt(this.o.timeline, tx.eventTime).impossibleTravel;
      const speed = travelSpeedKmh(previous.location, tx.location, tx.eventTime - previous.eventTime);
      return rule.enabled && speed > rule.maxSpeedKmh ? [this.signature('impossible-travel', [previous, tx])] : [];
    });
    return [fraud];
  }

  /** One payment far above the account's usual amounts. */
  private amountAnomaly(start: number): GeneratedTransaction[] | undefined {
    const sd = standardDeviation(this.stats);
    if (this.stats.count < this.o.bounds.maxMinHistory || sd === 0) return undefined;
    const amount = Math.ceil(this.stats.mean + (this.o.bounds.maxZ + 1 + 3 * this.random.next()) * sd);
    const point = this.pointIn(this.city);
    const card = this.card();
    return [this.record(card, this.slowArrival(start, card, point), amount, point)];
  }

  // ---- building blocks ----

  /**
   * Records a transaction: its id, merchant and ground truth. `alertsOf` gives the pattern's
   * alerts; the amount-anomaly rule is evaluated for every transaction.
   */
  private record(
    cardId: string,
    time: number,
    amountCents: number,
    location: Location,
    alertsOf?: (tx: Transaction) => AlertSignature[],
  ): GeneratedTransaction {
    const r = this.random;
    const category = this.categories[r.nextInt(this.categories.length)] as string;
    const tx: Transaction = {
      id: `tx-${pad(this.index, 6)}-${pad(this.seq++, 7)}`,
      cardId,
      accountId: this.id,
      amountCents,
      merchant: { id: `m-${pad(this.city, 2)}-${category}-${pad(r.nextInt(40), 2)}`, category },
      location,
      eventTime: time,
    };
    const alerts = alertsOf?.(tx) ?? [];
    const anomaly = rulesAt(this.o.timeline, time).amountAnomaly;
    if (anomalyZScore(this.stats, amountCents, anomaly) === undefined) this.stats = addAmount(this.stats, amountCents);
    else if (anomaly.enabled) alerts.push(this.signature('amount-anomaly', [tx]));
    this.lastTime = time;
    this.lastByCard.set(cardId, tx);
    return { tx, alerts };
  }

  /**
   * The earliest time >= `start` at which `card` can pay at `point` coming from its previous
   * payment at no more than half the lowest plane speed (the impossible-travel rule compares a
   * card's consecutive payments only).
   */
  private slowArrival(start: number, card: string, point: Location): number {
    const from = this.lastByCard.get(card);
    if (from === undefined) return start;
    const need = Math.ceil((distanceKm(from.location, point) / (this.o.bounds.minSpeed / 2)) * HOUR) + 1;
    return Math.max(start, from.eventTime + need);
  }

  private signature(rule: AlertSignature['rule'], evidence: readonly Transaction[]): AlertSignature {
    const trigger = evidence[evidence.length - 1] as Transaction;
    return {
      rule,
      accountId: trigger.accountId,
      cardId: trigger.cardId,
      eventTime: trigger.eventTime,
      evidenceIds: evidence.map((t) => t.id),
    };
  }

  private card(): string {
    return this.cards[this.random.nextInt(this.cards.length)] as string;
  }

  /** A typical amount: around the account's mean, never small or large, and well below the anomaly threshold. */
  private normalAmount(): number {
    const b = this.o.bounds;
    let amount = Math.round(this.meanCents + this.sdCents * this.gaussian());
    const sd = standardDeviation(this.stats);
    if (sd > 0) amount = Math.min(amount, Math.floor(this.stats.mean + (b.minZ - 0.5) * sd));
    return Math.min(b.minLargeAbove, Math.max(b.maxSmallBelow, amount));
  }

  private pointIn(city: number): Location {
    const r = this.random;
    const centre = CITIES[city] as Location;
    const km = CITY_RADIUS_KM * Math.sqrt(r.next());
    const angle = 2 * Math.PI * r.next();
    const lat = centre.lat + (km * Math.cos(angle)) / KM_PER_DEGREE;
    const lon = centre.lon + (km * Math.sin(angle)) / (KM_PER_DEGREE * Math.cos((centre.lat * Math.PI) / 180));
    return { lat: Math.round(lat * 1e6) / 1e6, lon: Math.round(lon * 1e6) / 1e6 };
  }

  private gaussian(): number {
    const u = 1 - this.random.next();
    const v = this.random.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
