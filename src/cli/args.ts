/**
 * The command line of a staff or lawyer tool: node:util's parseArgs, with two differences that
 * matter to the people who type these commands.
 *
 * - Keys are base64url, whose alphabet has "-": one key in 64 starts with it. parseArgs refuses
 *   `--verify -Q3…` as "ambiguous" (it takes the key for an option), so a lawyer whose NGO's verify
 *   key starts with "-" could not open any file, and triage could not grant a case to one lawyer in
 *   64. Here a string option takes the next argument as its value whatever it starts with, unless
 *   that argument is one of the tool's own options (then the value is missing, as before).
 * - A mistake on the command line is said in one line with the tool's usage, not a stack trace.
 */
import { type ParseArgsConfig, parseArgs } from "node:util";

type Options = NonNullable<ParseArgsConfig["options"]>;

/** `args` with each string option's value joined to it (`--verify=-Q3…`) where parseArgs would refuse it. */
export function joinOptionValues(args: readonly string[], options: Options): string[] {
  const isOption = (a: string) => {
    if (a === "--") return true;
    if (a.startsWith("--")) return Object.hasOwn(options, a.slice(2).split("=")[0] ?? "");
    return a.length === 2 && Object.values(options).some((o) => o.short === a[1]);
  };
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const next = args[i + 1];
    const name = a.startsWith("--") && !a.includes("=") ? a.slice(2) : undefined;
    if (name && options[name]?.type === "string" && next?.startsWith("-") && !isOption(next)) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** parseArgs over this process's arguments (see above); on a mistake, prints it and `usage` and exits with 2. */
export function toolArgs<T extends ParseArgsConfig>(config: T, usage: string): ReturnType<typeof parseArgs<T>> {
  const args = joinOptionValues(config.args ?? process.argv.slice(2), config.options ?? {});
  try {
    return parseArgs({ ...config, args } as T);
  } catch (e) {
    console.error(`${(e as Error).message.split("\n")[0]}\n${usage}`);
    process.exit(2);
  }
}
