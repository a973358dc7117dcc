import fs from 'node:fs';

// Linux's clock ticks per second (USER_HZ): 100 on every architecture Node runs on.
const TICKS_PER_SECOND = 100;

/** CPU seconds in user space and in the kernel, from one /proc/.../stat line. */
function cpuOf(stat: string): { name: string; user: number; system: number } {
  // "pid (name) state ...": the name may hold spaces and parentheses, so cut at the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return {
    name: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')),
    user: Number(fields[11]) / TICKS_PER_SECOND,
    system: Number(fields[12]) / TICKS_PER_SECOND,
  };
}

/** A process's CPU seconds so far, threads that ended included (Linux only). */
export function processCpu(pid: number): { user: number; system: number } {
  const { user, system } = cpuOf(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  return { user, system };
}

/**
 * CPU seconds per thread name of a running process (an embedded engine names its own threads),
 * or undefined where there is no /proc.
 */
export function threadCpu(pid: number): Map<string, { user: number; system: number }> | undefined {
  let tids: string[];
  try {
    tids = fs.readdirSync(`/proc/${pid}/task`);
  } catch {
    return undefined;
  }
  const byName = new Map<string, { user: number; system: number }>();
  for (const tid of tids) {
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const { name, user, system } = cpuOf(stat);
    const sum = byName.get(name) ?? { user: 0, system: 0 };
    byName.set(name, { user: sum.user + user, system: sum.system + system });
  }
  return byName;
}
