// Comparing readings of threadCpu (@platform/testing, from Linux's /proc): the embedded engine
// runs its work on its own named threads (ThreadPool for inserts, MergeMutate for merges), which
// a V8 profile of the JavaScript thread does not see.

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
