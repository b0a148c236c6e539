/**
 * The machine a bench ran on, as the results and the README name it. A cloud VM often reports only
 * "AMD EPYC" or "Intel Xeon": two such machines here differed threefold in speed, so the CPU family
 * and model (from /proc/cpuinfo, on Linux) are added to tell them apart.
 */
import { readFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";

/** `node` is the version of the Node that runs what is timed (the start-up bench may time another one). */
export function machineName(node = process.version): string {
  const cpu = cpus()[0]?.model.trim() ?? "cpu";
  let detail = "";
  try {
    const info = readFileSync("/proc/cpuinfo", "utf8");
    const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.+)$`, "m").exec(info)?.[1]?.trim();
    const family = field("cpu family");
    const model = field("model");
    if (family && model) detail = ` (family ${family}, model ${model})`;
  } catch {
    // Not Linux: the model name is all there is.
  }
  return `${cpus().length} × ${cpu}${detail}, ${(totalmem() / 2 ** 30).toFixed(0)} GB, Node ${node}`;
}
