import { describe, expect, it } from 'vitest';
import { isoTime } from './iso-time.js';

describe('isoTime', () => {
  it('prints what toISOString prints, for times near and far, in and out of order, whole or fractional', () => {
    let seed = 3;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 4294967296;
    const times = [0, -1, -0.5, 0.999, 59_999, 60_000, -60_000, -60_001, 1e12, 253402300799999, 253402300800000];
    times.push(-62167219200000, -62167219200001, 8.64e15, -8.64e15);
    let t = Date.UTC(2025, 5, 30, 23, 59, 58);
    for (let i = 0; i < 5000; i++) {
      t += random() < 0.9 ? random() * 400 : (random() - 0.5) * 1e11;
      times.push(t, Math.round(t), -t);
    }
    for (const ms of times) expect([ms, isoTime(ms)]).toEqual([ms, new Date(ms).toISOString()]);
  });

  it('throws the RangeError toISOString throws for a time a Date cannot hold', () => {
    for (const ms of [NaN, Infinity, 8.64e15 + 1, -8.64e15 - 1]) expect(() => isoTime(ms)).toThrow(RangeError);
  });
});
