import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../../src/api/duration.ts';

describe('parseDuration', () => {
  it.each([
    ['300ms', 300],
    ['5s', 5000],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['2h45m', 9_900_000],
    ['.5s', 500],
    ['1.s', 1000],
    ['500us', 0.5],
    ['500µs', 0.5],
    ['500μs', 0.5],
    ['1500000ns', 1.5],
    ['0', 0],
    ['0s', 0],
    ['-5s', -5000],
    ['+5s', 5000],
    ['0.1h0.2h', 1_080_000],
  ])('reads %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '5', '5 s', '5 seconds', 's', '.s', '5d', '1m 30s', '5S', '-', '1e3s', 'h1', '5s ', ' 5s'])(
    'rejects %j',
    (text) => {
      expect(parseDuration(text)).toBeUndefined();
    },
  );
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [300, '300ms'],
    [5000, '5s'],
    [1500, '1.5s'],
    [90_000, '1m30s'],
    [3_600_000, '1h'],
    [5_400_000, '1h30m'],
    [0.5, '500us'],
    [-2000, '-2s'],
  ])('writes %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('round-trips through parseDuration', () => {
    for (const ms of [1, 999, 1000, 61_000, 86_400_000, 3_723_500, 0.25]) {
      expect(parseDuration(formatDuration(ms))).toBe(ms);
    }
  });
});
