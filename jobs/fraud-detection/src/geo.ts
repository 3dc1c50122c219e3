import type { Location } from './transaction.ts';

const EARTH_RADIUS_KM = 6371.0088;
const RAD = Math.PI / 180;

/**
 * Great-circle distance between two points in kilometres (haversine formula, mean Earth radius).
 *
 * @example
 * ```ts
 * distanceKm({ lat: 48.8566, lon: 2.3522 }, { lat: 51.5074, lon: -0.1278 }); // ≈ 343.6 (Paris–London)
 * ```
 */
export function distanceKm(a: Location, b: Location): number {
  const dLat = (b.lat - a.lat) * RAD;
  const dLon = (b.lon - a.lon) * RAD;
  const s = Math.sin(dLat / 2) ** 2 + Math.cos(a.lat * RAD) * Math.cos(b.lat * RAD) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(s)));
}

/**
 * Speed in km/h needed to go from `a` to `b` in `elapsedMs`: 0 when both are the same point,
 * `Infinity` when they differ and no time passed.
 *
 * @example
 * ```ts
 * travelSpeedKmh({ lat: 0, lon: 0 }, { lat: 0, lon: 1 }, 3_600_000); // ≈ 111.2
 * ```
 */
export function travelSpeedKmh(a: Location, b: Location, elapsedMs: number): number {
  const km = distanceKm(a, b);
  if (km === 0) return 0;
  if (elapsedMs <= 0) return Number.POSITIVE_INFINITY;
  return km / (elapsedMs / 3_600_000);
}
