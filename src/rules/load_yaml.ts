/**
 * YAML reading for rules files, with yaml-cpp semantics as Falco's loader sees them.
 *
 * Falco reads rules with yaml-cpp: every scalar is text (`as<std::string>` gives the source text
 * of plain scalars, so `desc: 1.50` is "1.50"), empty/`~`/`null` plain scalars are null nodes,
 * `node["key"]` finds the first entry with that key (duplicate keys are allowed), and marks give
 * 0-based line/column and the character offset of each node. We parse with the `yaml` package
 * (failsafe schema: all scalars stay strings) and convert to that node model, resolving aliases
 * with a budget so hostile input ("billion laughs") cannot blow up.
 *
 * Source: falcosecurity/falco userspace/engine/rule_loader_reader.cpp (decode_val & co) and
 * yaml-cpp's Node/convert<> semantics.
 */
import { LineCounter, parseAllDocuments, isAlias, isMap, isScalar, isSeq, isPair } from "yaml";
import type { Node as YamlNode, Document } from "yaml";
import type { Position } from "./diagnostics.ts";

/** A YAML node as the loader sees it. */
export type YNode = YScalar | YNull | YMap | YSeq;

/** A non-null scalar. `value` is the decoded text; `plain` tells whether it was unquoted. */
export interface YScalar {
  readonly kind: "scalar";
  readonly pos: Position;
  readonly value: string;
  readonly plain: boolean;
}
/** A null node (empty value, `~`, `null`). */
export interface YNull {
  readonly kind: "null";
  readonly pos: Position;
}
/** A mapping; entries in source order (duplicates kept). */
export interface YMap {
  readonly kind: "map";
  readonly pos: Position;
  readonly entries: readonly { readonly key: YNode; readonly value: YNode }[];
}
/** A sequence. */
export interface YSeq {
  readonly kind: "seq";
  readonly pos: Position;
  readonly items: readonly YNode[];
}

/** A YAML syntax error with its position (0-based line/column). */
export class YamlSyntaxError extends Error {
  readonly pos: Position;
  constructor(message: string, pos: Position) {
    super(message);
    this.name = "YamlSyntaxError";
    this.pos = pos;
  }
}

/** Limits protecting the loader from hostile input. */
export const YAML_LIMITS = {
  /** Maximum nesting depth of collections. */
  maxDepth: 500,
  /** Maximum number of nodes produced, aliases expanded. */
  maxNodes: 1_000_000,
};

const NULL_PLAIN = new Set(["", "~", "null", "Null", "NULL"]);

/**
 * Parse a rules file into its documents (yaml-cpp `LoadAll`). Null documents are returned as
 * YNull. @throws YamlSyntaxError on invalid YAML, too deep nesting or too many nodes.
 */
export function parseYamlDocuments(content: string): YNode[] {
  // A UTF-8 byte order mark (editors on Windows write one) is not content: yaml-cpp skips it.
  if (content.charCodeAt(0) === 0xfeff) content = content.slice(1);
  const lc = new LineCounter();
  let docs: Document.Parsed[];
  try {
    const parsed = parseAllDocuments(content, {
      lineCounter: lc,
      schema: "failsafe",
      uniqueKeys: false,
      strict: false,
      prettyErrors: false,
    });
    docs = Array.isArray(parsed) ? (parsed as Document.Parsed[]) : [];
  } catch (e) {
    if (e instanceof RangeError) {
      throw new YamlSyntaxError("YAML nesting too deep", posAt(lc, 0));
    }
    throw new YamlSyntaxError(`YAML error: ${(e as Error).message}`, posAt(lc, 0));
  }
  const out: YNode[] = [];
  const budget = { nodes: 0 };
  for (const doc of docs) {
    if (doc.errors.length > 0) {
      const err = doc.errors[0]!;
      const p = posAt(lc, err.pos[0]);
      const msg = err.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "");
      throw new YamlSyntaxError(`yaml: error at line ${p.line + 1}, column ${p.column + 1}: ${msg}`, p);
    }
    const contents = doc.contents as YamlNode | null;
    if (contents === null || contents === undefined) {
      out.push({ kind: "null", pos: posAt(lc, 0) });
      continue;
    }
    const anchors = indexAnchors(contents);
    out.push(convert(contents, anchors, lc, 0, budget, new Set()));
  }
  return out;
}

/** Anchors of a document in source order: name -> [(offset, node)]. Built once (Alias.resolve walks the whole document per call). */
type AnchorIndex = Map<string, { off: number; node: unknown }[]>;

function indexAnchors(root: unknown): AnchorIndex {
  const idx: AnchorIndex = new Map();
  const stack: unknown[] = [root];
  let guard = 0;
  while (stack.length > 0 && guard++ < 10_000_000) {
    const n = stack.pop();
    if (n === null || n === undefined) continue;
    if (isPair(n)) {
      stack.push(n.value, n.key);
      continue;
    }
    const a = (n as { anchor?: string }).anchor;
    if (a) {
      let l = idx.get(a);
      if (!l) idx.set(a, (l = []));
      l.push({ off: rangeStart(n), node: n });
    }
    if (isMap(n) || isSeq(n)) for (let i = n.items.length - 1; i >= 0; i--) stack.push(n.items[i]);
  }
  for (const l of idx.values()) l.sort((x, y) => x.off - y.off);
  return idx;
}

function resolveAlias(idx: AnchorIndex, name: string, off: number): unknown {
  const l = idx.get(name);
  if (!l) return undefined;
  let found: unknown;
  for (const e of l) {
    if (e.off < off) found = e.node;
    else break;
  }
  return found;
}

function posAt(lc: LineCounter, offset: number): Position {
  const lp = lc.linePos(offset);
  return { offset, line: lp.line - 1, column: lp.col - 1 };
}

function convert(
  node: unknown,
  anchors: AnchorIndex,
  lc: LineCounter,
  depth: number,
  budget: { nodes: number },
  aliasPath: Set<unknown>,
): YNode {
  if (++budget.nodes > YAML_LIMITS.maxNodes) {
    throw new YamlSyntaxError("YAML document too large (too many nodes after alias expansion)", posAt(lc, 0));
  }
  if (depth > YAML_LIMITS.maxDepth) {
    const off = rangeStart(node);
    throw new YamlSyntaxError(`YAML nesting too deep (more than ${YAML_LIMITS.maxDepth} levels)`, posAt(lc, off));
  }
  if (isAlias(node)) {
    const target = resolveAlias(anchors, node.source, rangeStart(node));
    if (target === undefined || aliasPath.has(target)) {
      throw new YamlSyntaxError(`bad alias '${node.source}'`, posAt(lc, rangeStart(node)));
    }
    aliasPath.add(target);
    try {
      const inner = convert(target, anchors, lc, depth + 1, budget, aliasPath);
      return { ...inner, pos: posAt(lc, rangeStart(node)) } as YNode;
    } finally {
      aliasPath.delete(target);
    }
  }
  const pos = posAt(lc, rangeStart(node));
  if (isScalar(node)) {
    const v = node.value;
    const text = v === null || v === undefined ? "" : String(v);
    const plain = node.type === "PLAIN" || node.type === undefined;
    if (plain && NULL_PLAIN.has(text)) return { kind: "null", pos };
    return { kind: "scalar", pos, value: text, plain };
  }
  if (isMap(node)) {
    const entries: { key: YNode; value: YNode }[] = [];
    for (const p of node.items) {
      if (!isPair(p)) continue;
      const key: YNode =
        p.key === null || p.key === undefined
          ? { kind: "null", pos }
          : convert(p.key, anchors, lc, depth + 1, budget, aliasPath);
      const value: YNode =
        p.value === null || p.value === undefined
          ? { kind: "null", pos: key.pos }
          : convert(p.value, anchors, lc, depth + 1, budget, aliasPath);
      entries.push({ key, value });
    }
    return { kind: "map", pos, entries };
  }
  if (isSeq(node)) {
    const items: YNode[] = [];
    for (const it of node.items) {
      items.push(
        it === null || it === undefined ? { kind: "null", pos } : convert(it, anchors, lc, depth + 1, budget, aliasPath),
      );
    }
    return { kind: "seq", pos, items };
  }
  return { kind: "null", pos };
}

function rangeStart(node: unknown): number {
  const r = (node as { range?: [number, number, number] } | null)?.range;
  return r ? r[0] : 0;
}

/** yaml-cpp `node[key]` on a map: the value of the first entry whose key is the scalar `key`. */
export function mapGet(node: YNode | undefined, key: string): YNode | undefined {
  if (!node || node.kind !== "map") return undefined;
  for (const e of node.entries) {
    if (e.key.kind === "scalar" && e.key.value === key) return e.value;
  }
  return undefined;
}

/** The key node of the first entry named `key` (for contexts pointing at a key). */
export function mapGetKey(node: YNode | undefined, key: string): YNode | undefined {
  if (!node || node.kind !== "map") return undefined;
  for (const e of node.entries) {
    if (e.key.kind === "scalar" && e.key.value === key) return e.key;
  }
  return undefined;
}

/** yaml-cpp `as<std::string>()` of a key (null keys are "~"... we use ""). */
export function keyText(n: YNode): string {
  if (n.kind === "scalar") return n.value;
  if (n.kind === "null") return "";
  return "";
}

/** yaml-cpp convert<bool>: y/yes/true/on and n/no/false/off in lower, UPPER or Capitalized form. */
export function decodeBool(s: string): boolean | undefined {
  const forms = (w: string) => [w, w.toUpperCase(), w[0]!.toUpperCase() + w.slice(1)];
  for (const w of ["y", "yes", "true", "on"]) if (forms(w).includes(s)) return true;
  for (const w of ["n", "no", "false", "off"]) if (forms(w).includes(s)) return false;
  return undefined;
}

/** yaml-cpp convert<uint32_t>: decimal (or 0x hex / 0o octal) text that fits in 32 bits, no sign but '+'. */
export function decodeUint32(s: string): number | undefined {
  let v: number;
  if (/^\+?[0-9]+$/.test(s)) v = Number(s.replace(/^\+/, ""));
  else if (/^0x[0-9a-fA-F]+$/.test(s)) v = parseInt(s.slice(2), 16);
  else if (/^0o[0-7]+$/.test(s)) v = parseInt(s.slice(2), 8);
  else return undefined;
  if (!Number.isSafeInteger(v) || v > 0xffffffff) return undefined;
  return v;
}
