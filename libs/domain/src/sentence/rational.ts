import { InvalidArgumentError } from '../errors';

/** An exact proportion, e.g. two-fifths `{ num: 2, den: 5 }`: policy data never holds a float. */
export interface Rational {
  readonly num: number;
  readonly den: number;
}

function check(r: Rational): void {
  if (!Number.isSafeInteger(r.num) || !Number.isSafeInteger(r.den) || r.num < 0 || r.den <= 0)
    throw new InvalidArgumentError(`Not a non-negative proportion: ${r.num}/${r.den}`);
}

/**
 * The least whole number of days that is at least `r` of `days` (ceiling), in integer arithmetic.
 * "As soon as the prisoner has served two-fifths" is met on the first whole day on which the time
 * served reaches the fraction, so a fractional day rounds up (see README of this module).
 */
export function ceilProportionOfDays(days: number, r: Rational): number {
  check(r);
  if (!Number.isSafeInteger(days) || days < 0) throw new InvalidArgumentError(`Not a day count: ${days}`);
  return Math.floor((days * r.num + r.den - 1) / r.den);
}

/** `a < b` exactly. */
export function rationalLessThan(a: Rational, b: Rational): boolean {
  check(a);
  check(b);
  return a.num * b.den < b.num * a.den;
}

/** "2/5 (40%)" for explanations. */
export function describeRational(r: Rational): string {
  const percent = (r.num * 100) / r.den;
  const shown = Number.isInteger(percent) ? `${percent}` : percent.toFixed(2);
  return `${r.num}/${r.den} (${shown}%)`;
}
