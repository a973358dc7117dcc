import { describeProgress, progressReporter } from '../src/progress.js';

test('progress states done/total, the rate so far and the time left at that rate', () => {
  expect(describeProgress({ done: 1200, total: 5000, elapsedSeconds: 3 })).toBe(
    '1,200/5,000 (24 %), 400/s, ETA 10 s',
  );
  expect(describeProgress({ done: 100, total: 100_000, elapsedSeconds: 10 })).toBe(
    '100/100,000 (0 %), 10/s, ETA 2 h 47 min',
  );
  expect(describeProgress({ done: 0, total: 10, elapsedSeconds: 5 })).toBe('0/10 (0 %), 0/s, ETA —');
  expect(describeProgress({ done: 10, total: 10, elapsedSeconds: 2 })).toBe('10/10 (100 %), 5/s, done');
});

function output(isTTY: boolean) {
  const written: string[] = [];
  return { written, out: { isTTY, write: (text: string) => written.push(text) > 0 } };
}

test('on a terminal it redraws one line in place', () => {
  let clock = 0;
  const { written, out } = output(true);
  const progress = progressReporter('replay', 10, out, { now: () => clock });
  clock = 1000;
  progress.update(4);
  clock = 2000;
  progress.finish(10);
  expect(written).toEqual([
    '\r\x1b[Kreplay: 4/10 (40 %), 4/s, ETA 2 s',
    '\r\x1b[Kreplay: 10/10 (100 %), 5/s, done\n',
  ]);
});

test('elsewhere it writes plain lines, at most one per interval, and one at the end', () => {
  let clock = 0;
  const { written, out } = output(false);
  const progress = progressReporter('replay', 100, out, { now: () => clock, lineIntervalMs: 5000 });
  for (clock = 1000; clock <= 9000; clock += 1000) progress.update(clock / 100);
  progress.finish(100);
  expect(written).toEqual([
    'replay: 10/100 (10 %), 10/s, ETA 9 s\n', // the first update
    'replay: 60/100 (60 %), 10/s, ETA 4 s\n', // 5 s later; the updates in between are not shown
    'replay: 100/100 (100 %), 10/s, done\n',
  ]);
});
