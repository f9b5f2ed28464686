/** What the bench ran on, and the memory of the Chromium processes it started. */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, readlinkSync } from 'node:fs';
import { availableParallelism, loadavg, totalmem } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly chromium: string;
  readonly node: string;
  readonly date: string;
  readonly loadAverageAtStart: readonly number[];
}

export function machineInfo(chromiumPath: string): MachineInfo {
  let cpuModel = 'unknown';
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((text) => text.startsWith('model name'));
    if (line !== undefined) cpuModel = line.replace(/^model name\s*:\s*/, '').trim();
  } catch {
    // not Linux
  }
  let chromium = 'unknown';
  try {
    chromium = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    // reported as unknown
  }
  let nproc = availableParallelism();
  try {
    nproc = Number(execFileSync('nproc', { encoding: 'utf8' }).trim()) || nproc;
  } catch {
    // keep Node's figure
  }
  return {
    nproc,
    cpuModel,
    memoryGb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    chromium,
    node: process.version,
    date: new Date().toISOString(),
    loadAverageAtStart: loadavg().map((value) => Math.round(value * 100) / 100),
  };
}

/** Parent pid of every process, read from /proc/<pid>/stat. */
function parents(): Map<number, number> {
  const map = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      // pid (comm) state ppid ...: comm may hold spaces and parentheses, so split after the last ')'.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      map.set(Number(entry), Number(fields[1]));
    } catch {
      // the process ended meanwhile
    }
  }
  return map;
}

/** Chromium processes (browser, renderers, GPU, utilities) that descend from this Node process. */
export function chromiumProcesses(): number[] {
  const parentOf = parents();
  const mine = new Set<number>([process.pid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, parent] of parentOf) {
      if (!mine.has(pid) && mine.has(parent)) {
        mine.add(pid);
        grew = true;
      }
    }
  }
  mine.delete(process.pid);
  return [...mine].filter((pid) => {
    try {
      return /chrom/i.test(readlinkSync(`/proc/${pid}/exe`));
    } catch {
      return false;
    }
  });
}

/** Proportional set size (shared pages split between their users) of the given processes, in MiB. */
export function pssMb(pids: readonly number[]): number {
  let kb = 0;
  for (const pid of pids) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      if (match?.[1] !== undefined) kb += Number(match[1]);
    } catch {
      // ended meanwhile
    }
  }
  return kb / 1024;
}

/** Samples the summed PSS of this process's Chromium processes until stopped; returns the peak. */
export class MemorySampler {
  #peak = 0;
  #timer: NodeJS.Timeout | undefined;

  /** Reading smaps_rollup costs about 30 ms per sample for a browser's dozen processes: sample once a second. */
  start(intervalMs = 1000): void {
    this.#peak = pssMb(chromiumProcesses());
    this.#timer = setInterval(() => {
      this.#peak = Math.max(this.#peak, pssMb(chromiumProcesses()));
    }, intervalMs);
  }

  stop(): number {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#peak = Math.max(this.#peak, pssMb(chromiumProcesses()));
    return this.#peak;
  }
}

export function currentLoadAverage(): number[] {
  return loadavg().map((value) => Math.round(value * 100) / 100);
}
