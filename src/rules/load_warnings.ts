/**
 * Condition warnings computed on a rule's resolved AST, as Falco and libsinsp compute them:
 *
 * - Falco's filter_warning_resolver (userspace/engine/filter_warning_resolver.cpp): comparing an
 *   "unsafe" field (`ka.*`, `jevt.*`) for equality with `<NA>` (LOAD_UNSAFE_NA_CHECK), and use of
 *   deprecated fields (`evt.dir`, `evt.latency*`, `evt.wait_latency`; LOAD_DEPRECATED_ITEM).
 * Also `isKnownFieldName` (libsinsp `new_filtercheck(name) != nullptr`). The compiler's own
 * value warnings (regex, field or transformer used as a constant) come from compile.ts.
 */
import type { Expr } from "./ast.ts";
import { DEPRECATED_FIELDS } from "./diagnostics.ts";
import type { FieldRegistry } from "../fields/registry.ts";

/** Result of the warning resolver: which warnings and which deprecated fields (in Falco's enum order). */
export interface ResolverWarnings {
  unsafeNaCheck: boolean;
  deprecatedFields: string[];
}

const EQUALITY_OPS = new Set(["==", "=", "!=", "in", "intersects", "pmatch"]);

function isUnsafeField(f: string): boolean {
  return f.startsWith("ka.") || f.startsWith("jevt.");
}

/** Run Falco's filter_warning_resolver over an AST. */
export function resolveFilterWarnings(ast: Expr): ResolverWarnings {
  let unsafeNa = false;
  const deprecated = new Set<string>();
  let lastUnsafe = false;
  let isEquality = false;
  const visit = (e: Expr): void => {
    switch (e.kind) {
      case "and":
      case "or":
        for (const c of e.children) visit(c);
        return;
      case "transformer_list":
        // libsinsp's base_expr_visitor does not descend into transformer lists
        return;
      case "not":
        visit(e.child);
        return;
      case "unary_check":
        visit(e.left);
        return;
      case "binary_check":
        lastUnsafe = false;
        visit(e.left);
        if (lastUnsafe && EQUALITY_OPS.has(e.op)) {
          isEquality = true;
          visit(e.right);
          isEquality = false;
        }
        return;
      case "field_transformer":
        for (const c of e.values) visit(c);
        return;
      case "field":
        lastUnsafe = isUnsafeField(e.field);
        if ((DEPRECATED_FIELDS as readonly string[]).includes(e.field)) deprecated.add(e.field);
        return;
      case "value":
        if (isEquality && e.value === "<NA>") unsafeNa = true;
        return;
      case "list":
        if (isEquality && e.values.includes("<NA>")) unsafeNa = true;
        return;
      case "identifier":
        return;
    }
  };
  visit(ast);
  return {
    unsafeNaCheck: unsafeNa,
    deprecatedFields: DEPRECATED_FIELDS.filter((f) => deprecated.has(f)),
  };
}

/**
 * Whether `s` names a field the registry knows, as libsinsp's `new_filtercheck(s) != nullptr`:
 * `name`, `name[arg]`, or a dynamic family member such as `evt.arg.flags`.
 */
export function isKnownFieldName(s: string, reg: FieldRegistry): boolean {
  const m = /^([^[\]]+)(?:\[(.*)\])?$/s.exec(s);
  if (!m || !reg.lookup(m[1]!)) return false;
  try {
    reg.bind(m[1]!, m[2]);
    return true;
  } catch {
    return false;
  }
}
