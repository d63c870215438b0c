/**
 * Rules sources: expand `-r`/`rules_files` paths into the files to load, in Falco's order, and
 * the rules embedded in the binary (the project's own rules/).
 * Source: Falco's rules_files handling (a directory loads its regular files, not recursively,
 * sorted by name) and CLI_CONTRACT.md (only `.yaml`/`.yml` files, byte order of names).
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import bundledFalcoRules from "../../rules/falco_rules.yaml" with { type: "text" };
import bundledSeedRules from "../../rules/seed_examples.yaml" with { type: "text" };

/** One rules file to load: a display name (its path) and its text. */
export interface RulesSource {
  name: string;
  content: string;
}

/** The rules embedded in the binary, in load order (byte order of their names in rules/). */
export const BUNDLED_RULES: readonly RulesSource[] = [
  { name: "rules/falco_rules.yaml", content: bundledFalcoRules as unknown as string },
  { name: "rules/seed_examples.yaml", content: bundledSeedRules as unknown as string },
];

/** Thrown when a rules path cannot be read; names the path and the cause. */
export class RulesPathError extends Error {
  constructor(readonly path: string, cause: string) {
    super(`cannot read rules path ${path}: ${cause}`);
    this.name = "RulesPathError";
  }
}

function byteCompare(a: string, b: string): number {
  const ba = Buffer.from(a), bb = Buffer.from(b);
  return Buffer.compare(ba, bb);
}

/**
 * List the files a rules path stands for: the file itself, or a directory's regular files ending
 * in .yaml/.yml (not recursive, byte order). Paths that do not exist are skipped when `optional`
 * (Falco skips missing entries of rules_files), else an error.
 * @throws RulesPathError
 */
export function expandRulesPath(path: string, optional = false): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    if (optional) return [];
    throw new RulesPathError(path, (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or directory" : (e as Error).message);
  }
  if (!st.isDirectory()) return [path];
  const names = readdirSync(path).filter((n) => /\.ya?ml$/.test(n)).sort(byteCompare);
  return names.map((n) => join(path, n)).filter((p) => {
    try {
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

/**
 * Read every rules file of the given paths, in order.
 * @throws RulesPathError for an unreadable path (unless optional).
 */
export function readRulesSources(paths: readonly string[], optional = false): RulesSource[] {
  const out: RulesSource[] = [];
  for (const p of paths) {
    for (const f of expandRulesPath(p, optional)) {
      try {
        out.push({ name: f, content: readFileSync(f, "utf8") });
      } catch (e) {
        throw new RulesPathError(f, (e as Error).message);
      }
    }
  }
  return out;
}
