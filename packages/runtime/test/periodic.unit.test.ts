import { deleteInBatches, runEvery } from '../src/index.js';

describe('runEvery', () => {
  it('never runs twice at once, reports failures and goes on, and stop waits for the run', async () => {
    let active = 0;
    let overlapped = false;
    let runs = 0;
    const errors: unknown[] = [];
    let release: () => void = () => undefined;
    const schedule = runEvery(
      5,
      async () => {
        runs += 1;
        active += 1;
        overlapped ||= active > 1;
        if (runs === 1) throw new Error('first run fails');
        await new Promise<void>((resolve) => (release = resolve)); // longer than many ticks
        active -= 1;
      },
      (error) => {
        active -= 1;
        errors.push(error);
      },
    );
    while (runs < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    await new Promise((resolve) => setTimeout(resolve, 50)); // ticks pass while run 2 waits
    const stopped = schedule.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(done).toBe(false); // stop waits for the run in progress
    release();
    await stopped;
    expect({ runs, overlapped, errors: errors.map((e) => (e as Error).message) }).toEqual({
      runs: 2,
      overlapped: false,
      errors: ['first run fails'],
    });
  });
});

describe('deleteInBatches', () => {
  it('deletes until a batch comes back short, or until told to stop', async () => {
    const left = () => {
      let rows = 25;
      return async (limit: number) => {
        const deleted = Math.min(limit, rows);
        rows -= deleted;
        return deleted;
      };
    };
    expect(await deleteInBatches(left(), 10)).toBe(25);
    let batches = 0;
    expect(await deleteInBatches(left(), 10, () => (batches += 1) < 2)).toBe(20);
  });
});
