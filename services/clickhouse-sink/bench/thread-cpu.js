// CPU time per thread name of one process, from Linux's /proc: the embedded engine runs its
// work on its own named threads (ThreadPool for inserts, MergeMutate for merges), which a V8
// profile of the JavaScript thread does not see.
import fs from 'node:fs';

// Linux's clock ticks per second (USER_HZ): 100 on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** Seconds of CPU (user, system) per thread name, or undefined where there is no /proc. */
export function threadCpu(pid) {
  let tids;
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const byName = new Map();
  for (const tid of tids) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    // "tid (name) state ...": the name may hold spaces and parentheses, so cut at the last ')'.
    const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const sum = byName.get(name) ?? { user: 0, system: 0 };
    sum.user += Number(fields[11]) / TICKS_PER_SECOND;
    sum.system += Number(fields[12]) / TICKS_PER_SECOND;
    byName.set(name, sum);
  }
  return byName;
}

/** What each thread name used between two readings, largest first; threads that ended are lost. */
export function cpuBetween(before, after) {
  if (!before || !after) return [];
  return [...after]
    .map(([name, { user, system }]) => ({
      name,
      user: user - (before.get(name)?.user ?? 0),
      system: system - (before.get(name)?.system ?? 0),
    }))
    .filter(({ user, system }) => user + system >= 0.05)
    .sort((a, b) => b.user + b.system - (a.user + a.system));
}

/** "ThreadPool 53 ms (system 34), MergeMutate 42 ms (system 15), ...": per 1000 rows, >= 1 ms. */
export function describeCpu(used, rows) {
  const perThousand = (seconds) => ((seconds / rows) * 1_000_000).toFixed(0);
  return used
    .filter(({ user, system }) => ((user + system) / rows) * 1_000_000 >= 1)
    .map(
      ({ name, user, system }) => `${name} ${perThousand(user + system)} ms (system ${perThousand(system)})`,
    )
    .join(', ');
}
