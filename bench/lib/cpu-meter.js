// Who used the CPU during a phase: the server, this benchmark client, and everything else on the machine. The
// last matters because client and server share the machine: a busy neighbour (a build, a test run) lowers every
// figure, and a run should say so rather than pass off a loaded machine's numbers as the server's.
import { readFileSync } from 'node:fs';

// /proc counts CPU time in clock ticks; USER_HZ is 100 on every mainstream Linux build.
const TICKS_PER_SECOND = 100;

/** User + system CPU seconds a process has used so far, from /proc/<pid>/stat (null when not on Linux). */
export function readProcessCpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name start at field 3; utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/** Busy CPU seconds of the whole machine, all cores together, from /proc/stat (null when not on Linux). */
function readMachineBusySeconds() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

/**
 * Starts measuring; `stop()` returns CPU seconds and average cores used by the server, by this process, and by
 * all other processes since the start (NaN off Linux).
 *
 * @example
 *   const cpu = startCpuMeter(server.pid);
 *   await work();
 *   const { server_cores, other_cores } = cpu.stop();
 */
export function startCpuMeter(serverPid) {
  const t0 = performance.now();
  const machine0 = readMachineBusySeconds() ?? NaN;
  const server0 = readProcessCpuSeconds(serverPid) ?? NaN;
  const client0 = process.cpuUsage();
  return {
    stop() {
      const seconds = (performance.now() - t0) / 1000;
      const machine = (readMachineBusySeconds() ?? NaN) - machine0;
      const server = (readProcessCpuSeconds(serverPid) ?? NaN) - server0;
      const used = process.cpuUsage(client0);
      const client = (used.user + used.system) / 1e6;
      const other = Math.max(0, machine - server - client);
      return {
        server_cpu_seconds: server,
        server_cores: server / seconds,
        client_cores: client / seconds,
        other_cores: other / seconds,
      };
    },
  };
}
