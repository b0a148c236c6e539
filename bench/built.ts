/**
 * The benches time what production runs: the compiled tree in dist/ (`npm run build`), not the
 * TypeScript through tsx, whose `keepNames` wraps every closure the bot makes per update (about a
 * tenth of an update's time). dist/ is rebuilt first when any file under src/ is newer.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** Newest modification time of any file under a folder. */
function newest(dir: string): number {
  let t = 0;
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    const s = statSync(p);
    t = Math.max(t, s.isDirectory() ? newest(p) : s.mtimeMs);
  }
  return t;
}

function distIsStale(): boolean {
  try {
    return statSync("dist/main.js").mtimeMs < newest("src");
  } catch {
    return true; // no dist/ yet
  }
}

export function ensureBuilt(who: string): void {
  if (!distIsStale()) return;
  console.log(`${who}: dist/ is older than src/; npm run build`);
  execFileSync("npm", ["run", "build", "--silent"], { stdio: "inherit" });
}

/** A module of the built tree, typed as its source (e.g. `built<typeof import("../src/app.js")>("app.js")`). */
export async function built<M>(path: string): Promise<M> {
  return (await import(new URL(`../dist/${path}`, import.meta.url).href)) as M;
}
