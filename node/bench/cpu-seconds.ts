/** CPU time of processes and threads, from /proc (Linux), for the benchmarks' breakdowns. */
import { readFileSync } from "node:fs";

/** CPU seconds (user + system) that process `pid` has used: all its threads, or one. */
export function cpuSeconds(pid: number, thread?: number): number {
  const path = thread === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${thread}/stat`;
  // Fields after the command name, which is in parentheses and may contain spaces.
  const fields = readFileSync(path, "utf8").split(") ")[1]?.split(" ") ?? [];
  // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
