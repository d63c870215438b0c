/**
 * AST helpers (src/rules/ast.ts): libsinsp escape_str/unescape_str, as_string rendering,
 * clone/equality, and the mapAst/walkAst helpers the rules loader uses for macro substitution
 * and list expansion; plus parser error positions and the parse-condition CLI contract.
 */
import { describe, expect, test } from "vitest";
import {
  type Expr, EscapeError, asString, astEqual, cloneAst, escapeStr, listExpr, mapAst, unescapeStr, walkAst,
} from "../src/rules/ast.ts";
import { ConditionSyntaxError, parseCondition, parseConditionCli } from "../src/rules/parser.ts";

describe("escaping", () => {
  test("escape_str quotes only when needed", () => {
    expect(escapeStr("abc")).toBe("abc");
    expect(escapeStr("a b")).toBe("\"a b\"");
    expect(escapeStr("a=b")).toBe("\"a=b\"");
    expect(escapeStr("it's")).toBe("\"it's\"");
    expect(escapeStr("say \"hi\"")).toBe("\"say \\\"hi\\\"\"");
    expect(escapeStr("a\\b\n")).toBe("\"a\\\\b\\n\"");
    expect(escapeStr("(x)")).toBe("(x)");
  });
  test("unescape_str", () => {
    expect(unescapeStr("\"a\\tb\"")).toBe("a\tb");
    expect(unescapeStr("'it\\'s'")).toBe("it's");
    expect(unescapeStr("\"\\x41\"")).toBe("A");
    expect(() => unescapeStr("'\\\"'")).toThrow(EscapeError);
    expect(() => unescapeStr("\"\\q\"")).toThrow("unsupported string escape sequence: \\q");
  });
});

describe("as_string", () => {
  test("renders like libsinsp", () => {
    const cases: [string, string][] = [
      ["a and b or c", "((a and b) or c)"],
      ["not a", "not a"],
      ["proc.name in (cat, \"a b\", 'c')", "proc.name in (cat, \"a b\", c)"],
      ["fd.name[1] exists", "fd.name[1] exists"],
      ["proc.aname[\"\"] = x", "proc.aname[\"\"] = x"],
      ["tolower(proc.name) = val(proc.pname)", "tolower(proc.name) = val(proc.pname)"],
      ["join(\"-\", (fd.name, fd.directory)) = x", "join(-,(fd.name,fd.directory)) = x"],
      ["proc.name = oneof (a, b)", "proc.name = oneof (a, b)"],
    ];
    for (const [inp, out] of cases) expect(asString(parseCondition(inp)), inp).toBe(out);
  });
});

describe("clone, equality and rewriting", () => {
  test("clone is deep and equal", () => {
    const a = parseCondition("a and (proc.name in (x, y) or not b)");
    const b = cloneAst(a);
    expect(b).not.toBe(a);
    expect(astEqual(a, b)).toBe(true);
    expect(asString(b)).toBe(asString(a));
    expect(astEqual(a, parseCondition("a and (proc.name in (x, z) or not b)"))).toBe(false);
  });
  test("macro substitution and list expansion with mapAst", () => {
    const macros = new Map<string, Expr>([["is_open", parseCondition("evt.type in (open, openat)")]]);
    const lists = new Map<string, string[]>([["shells", ["bash", "sh"]]]);
    const ast = parseCondition("is_open and proc.name in (shells, zsh) and not proc.pname in shells");
    const out = mapAst(ast, (n) => {
      if (n.kind === "identifier" && macros.has(n.identifier)) return cloneAst(macros.get(n.identifier)!);
      if (n.kind === "list") return listExpr(n.values.flatMap((v) => lists.get(v) ?? [v]), n.pos);
      if (n.kind === "value" && lists.has(n.value)) return listExpr(lists.get(n.value)!, n.pos);
      return n;
    });
    expect(asString(out)).toBe("(evt.type in (open, openat) and proc.name in (bash, sh, zsh) and not proc.pname in (bash, sh))");
    expect(asString(ast)).toBe("(is_open and proc.name in (shells, zsh) and not proc.pname in shells)");
    const ids: string[] = [];
    walkAst(ast, (n) => { if (n.kind === "identifier") ids.push(n.identifier); });
    expect(ids).toEqual(["is_open"]);
  });
});

describe("errors and the CLI contract", () => {
  test("syntax errors carry libsinsp's message and position", () => {
    try {
      parseCondition("a and b or");
      throw new Error("no error");
    } catch (e) {
      expect(e).toBeInstanceOf(ConditionSyntaxError);
      const se = e as ConditionSyntaxError;
      expect(se.message).toBe("expected blank or '(' after 'or'");
      expect(se.column).toBe(11);
      expect(se.line).toBe(1);
    }
    const e2 = (() => { try { parseCondition("a\nand (b"); } catch (e) { return e as ConditionSyntaxError; } return null; })()!;
    expect(e2.message).toBe("expected a ')' token");
    expect([e2.line, e2.column]).toEqual([2, 7]);
  });
  test("parse-condition output", () => {
    expect(parseConditionCli("evt.type=open and fd.name startswith /etc")).toEqual({
      stdout: "(evt.type = open and fd.name startswith /etc)\n", stderr: "", code: 0,
    });
    const r = parseConditionCli("proc.name = ");
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/^column \d+: expected a string value or a field with a valid transformer/);
    expect(parseConditionCli("").stderr).toBe("column 1: filter input string is empty\n");
    expect(parseConditionCli("(".repeat(100000)).stderr).toContain("exceeded max depth limit of 100");
  });
});

describe("hex escapes", () => {
  test("\\x bytes >= 0x80 combine into UTF-8 characters", () => {
    expect(unescapeStr("\"caf\\xc3\\xa9\"")).toBe("café");
    expect(unescapeStr("\"\\x41\\x42\"")).toBe("AB");
  });
});
