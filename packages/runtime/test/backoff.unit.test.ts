import { backoffDelay } from '../src/index.js';

describe('backoffDelay', () => {
  const policy = { initialMs: 100, maxMs: 5000 };
  it('grows exponentially up to the cap, with full jitter and a floor', () => {
    expect([1, 2, 3, 4, 10].map((attempt) => backoffDelay(attempt, policy, () => 1))).toEqual([
      100, 200, 400, 800, 5000,
    ]);
    expect(backoffDelay(3, policy, () => 0.5)).toBe(200);
    // Never zero: no busy loop against a broker that is down.
    expect(backoffDelay(3, policy, () => 0)).toBe(50);
  });
});
