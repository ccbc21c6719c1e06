// Preloaded (node --import) into a command the SDK benchmark times: at exit, writes the process's peak resident
// memory and CPU time, from getrusage(2), to the file named by TALLY_BENCH_RUSAGE_FILE.
import { writeFileSync } from 'node:fs';

const file = process.env.TALLY_BENCH_RUSAGE_FILE;
if (file) {
  process.on('exit', () => {
    const u = process.resourceUsage();
    writeFileSync(
      file,
      JSON.stringify({ max_rss_bytes: u.maxRSS * 1024, user_cpu_us: u.userCPUTime, system_cpu_us: u.systemCPUTime }),
    );
  });
}
