/**
 * JSON-schema validation of rules files, as Falco does it before loading (the result is only
 * reported: "ok" or "failed ...", it never makes loading fail).
 *
 * Falco validates each YAML document against its rules schema (userspace/engine/
 * rule_json_schema.h, copied here as data) with valijson in weak-types mode over yaml-cpp nodes
 * (yaml_helper::validate_node): every scalar is acceptable as a string; a scalar is an integer
 * when its text is an integer, a boolean only when it is exactly "true" or "false"; a null node
 * is only a null. We implement the subset of JSON schema the rules schema uses: type, items,
 * $ref, properties, additionalProperties:false, required, anyOf, enum, minProperties.
 */
import type { YNode } from "./load_yaml.ts";

type Schema = Record<string, unknown>;

const OVERRIDDEN_ITEM = { $ref: "#/definitions/OverriddenItem" };

/** Falco's rules JSON schema (userspace/engine/rule_json_schema.h). */
export const RULES_SCHEMA: Schema = {
  type: "array",
  items: { $ref: "#/definitions/FalcoRule" },
  definitions: {
    FalcoRule: {
      type: "object",
      additionalProperties: false,
      properties: {
        required_engine_version: { type: "string" },
        required_plugin_versions: { type: "array", items: { $ref: "#/definitions/RequiredPluginVersion" } },
        macro: { type: "string" },
        condition: { type: "string" },
        list: { type: "string" },
        items: { type: "array", items: { $ref: "#/definitions/Item" } },
        rule: { type: "string" },
        desc: { type: "string" },
        enabled: { type: "boolean" },
        output: { type: "string" },
        append: { type: "boolean" },
        priority: { $ref: "#/definitions/Priority" },
        capture: { type: "boolean" },
        capture_duration: { type: "integer" },
        source: { type: "string" },
        exceptions: { type: "array", items: { $ref: "#/definitions/Exception" } },
        override: { $ref: "#/definitions/Override" },
        tags: { type: "array", items: { type: "string" } },
        warn_evttypes: { type: "boolean" },
        "skip-if-unknown-filter": { type: "boolean" },
      },
      required: [],
    },
    Item: { anyOf: [{ type: "integer" }, { type: "string" }] },
    Exception: {
      type: "object",
      additionalProperties: false,
      properties: { name: { type: "string" }, fields: {}, comps: {}, values: {} },
      required: ["name"],
    },
    Priority: {
      type: "string",
      enum: ["EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING", "NOTICE", "INFO", "INFORMATIONAL", "DEBUG"],
    },
    OverriddenItem: { type: "string", enum: ["append", "replace"] },
    Override: {
      type: "object",
      additionalProperties: false,
      properties: {
        items: OVERRIDDEN_ITEM,
        desc: OVERRIDDEN_ITEM,
        condition: OVERRIDDEN_ITEM,
        output: OVERRIDDEN_ITEM,
        priority: OVERRIDDEN_ITEM,
        enabled: OVERRIDDEN_ITEM,
        exceptions: OVERRIDDEN_ITEM,
        capture: OVERRIDDEN_ITEM,
        capture_duration: OVERRIDDEN_ITEM,
        tags: OVERRIDDEN_ITEM,
        warn_evttypes: OVERRIDDEN_ITEM,
        "skip-if-unknown-filter": OVERRIDDEN_ITEM,
      },
      minProperties: 1,
    },
    RequiredPluginVersion: {
      type: "object",
      additionalProperties: false,
      properties: {
        name: { type: "string" },
        version: { type: "string" },
        alternatives: { type: "array", items: { $ref: "#/definitions/Alternative" } },
      },
      required: ["name", "version"],
    },
    Alternative: {
      type: "object",
      additionalProperties: false,
      properties: { name: { type: "string" }, version: { type: "string" } },
      required: ["name", "version"],
    },
  },
};

function resolveRef(root: Schema, ref: string): Schema {
  const parts = ref.replace(/^#\//, "").split("/");
  let cur: unknown = root;
  for (const p of parts) cur = (cur as Record<string, unknown>)[p];
  return cur as Schema;
}

function typeOk(n: YNode, t: string): boolean {
  switch (t) {
    case "string":
      return n.kind === "scalar";
    case "integer":
      return n.kind === "scalar" && /^[+-]?[0-9]+$/.test(n.value);
    case "number":
      return n.kind === "scalar" && n.value.trim() !== "" && Number.isFinite(Number(n.value));
    case "boolean":
      return n.kind === "scalar" && (n.value === "true" || n.value === "false");
    case "array":
      return n.kind === "seq";
    case "object":
      return n.kind === "map";
    case "null":
      return n.kind === "null";
    default:
      return false;
  }
}

/** Validate one node; returns the first error as "<path>: <reason>", or undefined when valid. */
function validate(root: Schema, schema: Schema, n: YNode, path: string, depth: number): string | undefined {
  if (depth > 64) return undefined;
  if (typeof schema.$ref === "string") return validate(root, resolveRef(root, schema.$ref), n, path, depth + 1);
  if (typeof schema.type === "string" && !typeOk(n, schema.type)) {
    return `${path}: Value type not permitted by 'type' constraint.`;
  }
  if (Array.isArray(schema.enum)) {
    if (n.kind !== "scalar" || !(schema.enum as unknown[]).includes(n.value)) {
      return `${path}: Failed to match against any enum values.`;
    }
  }
  if (Array.isArray(schema.anyOf)) {
    const ok = (schema.anyOf as Schema[]).some((s) => validate(root, s, n, path, depth + 1) === undefined);
    if (!ok) return `${path}: Failed to validate against any child schemas allowed by anyOf constraint.`;
  }
  if (n.kind === "seq" && schema.items && typeof schema.items === "object") {
    for (let i = 0; i < n.items.length; i++) {
      const r = validate(root, schema.items as Schema, n.items[i]!, `${path}[${i}]`, depth + 1);
      if (r) return r;
    }
  }
  if (n.kind === "map") {
    const props = (schema.properties ?? {}) as Record<string, Schema>;
    if (typeof schema.minProperties === "number" && n.entries.length < schema.minProperties) {
      return `${path}: Object should have at least ${schema.minProperties} properties.`;
    }
    const seen = new Set<string>();
    for (const e of n.entries) {
      const key = e.key.kind === "scalar" ? e.key.value : "null";
      seen.add(key);
      const ps = props[key];
      if (ps === undefined) {
        if (schema.additionalProperties === false) {
          return `${path}: Object contains a property that could not be validated using 'properties' or 'additionalProperties' constraints: '${key}'.`;
        }
        continue;
      }
      const r = validate(root, ps, e.value, `${path}[${key}]`, depth + 1);
      if (r) return r;
    }
    if (Array.isArray(schema.required)) {
      for (const k of schema.required as string[]) {
        if (!seen.has(k)) return `${path}: Missing required property '${k}'.`;
      }
    }
  }
  return undefined;
}

/**
 * Validate one YAML document of a rules file against Falco's rules schema. Returns "ok" or
 * "failed for <path>: <reason>" (yaml_helper::validate_node's status strings).
 */
export function validateRulesDocument(doc: YNode): string {
  const err = validate(RULES_SCHEMA, RULES_SCHEMA, doc, "<root>", 0);
  return err === undefined ? "ok" : `failed for ${err}`;
}
