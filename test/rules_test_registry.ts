/**
 * A field registry for rules-loader tests: every field of libsinsp 0.25.4 plus the container
 * plugin's (src/fields/field_table.generated.ts, generated from
 * ../shared/conformance/libsinsp_0.25.4_fields.json and the plugin README), with dummy
 * extractors. Lookup follows libsinsp: exact name, else the longest field name followed by "."
 * for fields taking an argument (`evt.arg.flags`). Binding checks argument presence only.
 * `makeTestRegistry` returns the real registry; `makeTableRegistry` the table-only one.
 */
import { RAW_FIELD_TABLE } from "../src/fields/field_table.generated.ts";
import { createRegistry } from "../src/fields/index.ts";
import { emptyFieldContext } from "../src/fields/context.ts";
import { FieldError, type BoundField, type FieldDef, type FieldRegistry, type FieldType } from "../src/fields/registry.ts";

/**
 * The registry the loader tests use: the real one (src/fields/index.ts createRegistry with an
 * empty field context: extraction is not exercised here, only field existence and arguments).
 */
export function makeTestRegistry(): FieldRegistry {
  return createRegistry(emptyFieldContext());
}

/** A registry built from the field table alone (dummy extractors); independent of src/fields/index.ts. */
export function makeTableRegistry(): FieldRegistry {
  const defs = new Map<string, FieldDef>();
  for (const [name, type, flags, , , desc, cls] of RAW_FIELD_TABLE) {
    const arg = flags.includes("ARG_REQUIRED") ? "required" : flags.includes("ARG_ALLOWED") ? "optional" : "none";
    defs.set(name, {
      name,
      type: type as FieldType,
      desc,
      cls,
      arg,
      flags,
      bind: () => () => undefined,
    });
  }
  const lookup = (name: string): FieldDef | undefined => {
    const d = defs.get(name);
    if (d) return d;
    let best: FieldDef | undefined;
    for (const def of defs.values()) {
      if (def.arg !== "none" && name.startsWith(def.name + ".") && (!best || def.name.length > best.name.length)) best = def;
    }
    return best;
  };
  return {
    lookup,
    bind(name: string, arg: string | undefined): BoundField {
      const def = lookup(name);
      if (!def) throw new FieldError(`filter_check called with nonexistent field ${name}`);
      const dotArg = def.name !== name ? name.slice(def.name.length + 1) : undefined;
      if (dotArg !== undefined && arg !== undefined) throw new FieldError(`filter_check called with nonexistent field ${name}[${arg}]`);
      const a = dotArg ?? arg;
      if (def.arg === "required" && (a === undefined || a === "")) {
        throw new FieldError(`filter error: field ${name} requires an argument`);
      }
      if (def.arg === "none" && a !== undefined) {
        throw new FieldError(`filter error: field ${name} does not accept an argument`);
      }
      return { def, arg: a, type: def.type, extract: () => undefined };
    },
    all: () => [...defs.values()],
  };
}
