/**
 * Random and/or/not condition trees over boolean test fields `t.v0..t.v7` (test/rules_test_registry
 * style `t.vN = y` checks), their condition text, and a plain reference evaluator that records the
 * field reads in left-to-right short-circuit order. Used to check compiled closures against it.
 */

/** A condition tree: a leaf is the check `t.v<i> = y`. */
export type CondNode = { kind: "leaf"; i: number } | { kind: "and" | "or"; c: CondNode[] } | { kind: "not"; c: CondNode };

/**
 * A deterministic generator (LCG from `seed`) of trees up to `depth`, and/or nodes with 1..maxArity
 * operands, leaves over `t.v0..t.v7`; `rnd(n)` (0..n-1) draws from the same sequence.
 */
export function conditionGenerator(seed: number, maxArity: number): { gen: (depth: number) => CondNode; rnd: (n: number) => number } {
  let s = seed;
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    return (s >>> 8) % n;
  };
  const gen = (depth: number): CondNode => {
    const r = rnd(10);
    if (depth <= 0 || r < 3) return { kind: "leaf", i: rnd(8) };
    if (r === 3) return { kind: "not", c: gen(depth - 1) };
    return { kind: r < 7 ? "and" : "or", c: Array.from({ length: 1 + rnd(maxArity) }, () => gen(depth - 1)) };
  };
  return { gen, rnd };
}

/** The condition text of a tree (Falco syntax). */
export function conditionText(x: CondNode): string {
  return x.kind === "leaf" ? `t.v${x.i} = y` : x.kind === "not" ? `not (${conditionText(x.c)})` : `(${x.c.map(conditionText).join(` ${x.kind} `)})`;
}

/** Evaluate with left-to-right short circuit; `vals[i]` is the value of `t.v<i> = y`; reads are appended to `log`. */
export function evalCondition(x: CondNode, vals: boolean[], log: string[]): boolean {
  if (x.kind === "leaf") {
    log.push(`t.v${x.i}`);
    return vals[x.i]!;
  }
  if (x.kind === "not") return !evalCondition(x.c, vals, log);
  if (x.kind === "and") {
    for (const c of x.c) if (!evalCondition(c, vals, log)) return false;
    return true;
  }
  for (const c of x.c) if (evalCondition(c, vals, log)) return true;
  return false;
}
