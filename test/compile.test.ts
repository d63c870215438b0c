/**
 * Evaluation semantics of compiled conditions (src/rules/compile.ts) with a small fake registry:
 * missing-field semantics, string operators, glob, pmatch, regex, in/intersects, numbers, IPs
 * and networks, list fields, either-side (multi) fields, modifiers, transformers, right-hand
 * fields, compile errors, and event-type resolution (libsinsp ppm_event_codes).
 */
import { describe, expect, test } from "vitest";
import { parseCondition } from "../src/rules/parser.ts";
import { type CompiledCondition, ConditionCompileError, compileCondition } from "../src/rules/compile.ts";
import { Event } from "../src/events/event.ts";
import { EVENT_CODES_BY_NAME } from "../src/events/event_table.ts";
import {
  type BoundField, type FieldDef, FieldError, type FieldRegistry, type FieldType, type FieldValue, type MultiCompare,
} from "../src/fields/registry.ts";

/** Values the fake fields return for the next evaluation (undefined = not extractable). */
let cur: Record<string, FieldValue> = {};

interface Spec { type: FieldType; flags?: string[]; multi?: boolean; neAll?: boolean }
const specs: Record<string, Spec> = {
  "t.s": { type: "CHARBUF" },
  "t.s2": { type: "CHARBUF" },
  "t.path": { type: "FSPATH" },
  "t.n": { type: "INT64" },
  "t.u": { type: "UINT64" },
  "t.u16": { type: "UINT16" },
  "t.b": { type: "BOOL" },
  "t.ip": { type: "IPADDR" },
  "t.net": { type: "IPNET", flags: ["NO_RHS", "NO_TRANSFORMER"] },
  "t.eip": { type: "IPADDR", flags: ["NO_RHS", "NO_TRANSFORMER"], multi: true, neAll: true },
  "t.anc": { type: "CHARBUF", multi: true, neAll: false },
  "t.list": { type: "CHARBUF", flags: ["IS_LIST"] },
  "t.buf": { type: "BYTEBUF" },
  "t.args": { type: "CHARBUF", flags: ["IS_LIST"] },
  "evt.type": { type: "CHARBUF" },
};

const reg: FieldRegistry = (() => {
  const defs = new Map<string, FieldDef>();
  for (const [name, s] of Object.entries(specs)) {
    defs.set(name, {
      name, type: s.type, desc: "", cls: "t", arg: "optional", flags: s.flags ?? [],
      bind: () => () => cur[name],
    });
  }
  return {
    lookup: (n) => defs.get(n),
    bind(n, arg): BoundField {
      const def = defs.get(n);
      if (!def) throw new FieldError("filter_check called with nonexistent field " + n);
      const s = specs[n]!;
      const multi: MultiCompare | undefined = s.multi
        ? { values: () => cur[n] as FieldValue[] | undefined, neAll: s.neAll ?? true }
        : undefined;
      return { def, arg, type: s.type, extract: def.bind(arg), multi };
    },
    all: () => [...defs.values()],
  };
})();

const ev = new Event();
function cc(cond: string): CompiledCondition {
  return compileCondition(parseCondition(cond), reg);
}
function run(cond: string, values: Record<string, FieldValue>): boolean {
  cur = values;
  return cc(cond).match(ev);
}
function compileError(cond: string): string {
  try {
    cc(cond);
  } catch (e) {
    expect(e).toBeInstanceOf(ConditionCompileError);
    return (e as Error).message;
  }
  throw new Error("expected a compile error for " + cond);
}

describe("missing values", () => {
  test("an unextractable field makes every check false", () => {
    for (const c of ["t.s = x", "t.s != x", "t.s exists", "t.s in (x)", "t.s contains x", "t.n > 1", "t.n != 1"]) {
      expect(run(c, {}), c).toBe(false);
    }
    expect(run("not t.s = x", {})).toBe(true);
    expect(run("not t.s exists", {})).toBe(true);
    expect(run("t.s != x", { "t.s": "y" })).toBe(true);
    expect(run("t.s exists", { "t.s": "" })).toBe(true);
  });
});

describe("strings", () => {
  test("comparison operators", () => {
    const v = { "t.s": "Hello World" };
    expect(run("t.s = \"Hello World\"", v)).toBe(true);
    expect(run("t.s == 'Hello World'", v)).toBe(true);
    expect(run("t.s contains World", v)).toBe(true);
    expect(run("t.s contains world", v)).toBe(false);
    expect(run("t.s icontains wORLD", v)).toBe(true);
    expect(run("t.s startswith Hell", v)).toBe(true);
    expect(run("t.s endswith World", v)).toBe(true);
    expect(run("t.s endswith Worl", v)).toBe(false);
    // numeric operators on strings compare bytes (strcmp): "10" < "2"
    expect(run("t.s < 2", { "t.s": "10" })).toBe(true);
    expect(run("t.s >= 2", { "t.s": "10" })).toBe(false);
  });
  test("glob is fnmatch without FNM_PATHNAME", () => {
    expect(run("t.s glob '/usr/*'", { "t.s": "/usr/bin/ls" })).toBe(true);
    expect(run("t.s glob '/usr/?in/*'", { "t.s": "/usr/bin/ls" })).toBe(true);
    expect(run("t.s glob '*.[ch]'", { "t.s": "a.c" })).toBe(true);
    expect(run("t.s glob '*.[!ch]'", { "t.s": "a.c" })).toBe(false);
    expect(run("t.s glob 'a\\\\*'", { "t.s": "a*" })).toBe(true);
    expect(run("t.s glob 'a\\\\*'", { "t.s": "ab" })).toBe(false);
    expect(run("t.s glob '[[:digit:]]x'", { "t.s": "7x" })).toBe(true);
    expect(run("t.s glob ABC*", { "t.s": "abcd" })).toBe(false);
    expect(run("t.s iglob ABC*", { "t.s": "abcd" })).toBe(true);
  });
  test("pmatch matches whole path components", () => {
    const c = "t.s pmatch (/var/log, /etc)";
    expect(run(c, { "t.s": "/var/log/syslog" })).toBe(true);
    expect(run(c, { "t.s": "/var/log" })).toBe(true);
    expect(run(c, { "t.s": "/var/logx" })).toBe(false);
    expect(run(c, { "t.s": "/var" })).toBe(false);
    expect(run(c, { "t.s": "/etc/passwd" })).toBe(true);
    expect(run("t.s pmatch (/var/*/x)", { "t.s": "/var/abc/x/y" })).toBe(true);
  });
  test("regex is a full match", () => {
    expect(run("t.s regex 'ab+'", { "t.s": "abbb" })).toBe(true);
    expect(run("t.s regex 'ab+'", { "t.s": "xabbb" })).toBe(false);
    expect(run("t.s regex 'a|ab'", { "t.s": "ab" })).toBe(true);
    expect(run("t.s regex '[[:alpha:]]+[0-9]'", { "t.s": "abc1" })).toBe(true);
    expect(compileError("t.s regex '\\\\d+'")).toContain("invalid regex pattern");
    // RE2 POSIX syntax: no Perl groups/flags or lazy quantifiers
    expect(compileError("t.s regex '(?i)abc'")).toContain("invalid regex pattern");
    expect(compileError("t.s regex 'a*?'")).toBe("invalid regex pattern: bad repetition operator: *?");
    expect(run("t.s regex 'a{2}b'", { "t.s": "aab" })).toBe(true);
    expect(run("t.s regex 'x{'", { "t.s": "x{" })).toBe(true);
    // ^ and $ are line anchors (one_line off); the whole value must still be matched
    expect(run("t.s regex 'a$'", { "t.s": "a\nb" })).toBe(false);
  });
  test("in and modifiers", () => {
    expect(run("t.s in (a, \"b c\", d)", { "t.s": "b c" })).toBe(true);
    expect(run("t.s in (a, d)", { "t.s": "b" })).toBe(false);
    expect(run("t.s in ()", { "t.s": "b" })).toBe(false);
    expect(run("t.s = oneof (a, b)", { "t.s": "a" })).toBe(true);
    expect(run("t.s contains oneof (a, b)", { "t.s": "ab" })).toBe(false);
    expect(run("t.s contains anyof (a, b)", { "t.s": "ab" })).toBe(true);
    expect(run("t.s contains allof (a, b)", { "t.s": "ab" })).toBe(true);
    expect(run("t.s != allof (a, b)", { "t.s": "c" })).toBe(true);
    expect(run("t.s != allof (a, b)", { "t.s": "a" })).toBe(false);
  });
});

describe("numbers and booleans", () => {
  test("typed comparisons", () => {
    expect(run("t.n > 5", { "t.n": 6 })).toBe(true);
    expect(run("t.n > 5", { "t.n": 5 })).toBe(false);
    expect(run("t.n = -1", { "t.n": -1 })).toBe(true);
    expect(run("t.n in (1, 2, 3)", { "t.n": 2 })).toBe(true);
    expect(run("t.n in (1, 2, 3)", { "t.n": 2n })).toBe(true);
    expect(run("t.u = 18446744073709551615", { "t.u": 18446744073709551615n })).toBe(true);
    expect(run("t.u = -1", { "t.u": 18446744073709551615n })).toBe(true);
    expect(run("t.u16 = 65537", { "t.u16": 1 })).toBe(true);
    expect(run("t.b = true", { "t.b": true })).toBe(true);
    expect(run("t.b != true", { "t.b": false })).toBe(true);
  });
  test("compile errors", () => {
    expect(compileError("t.n = 0x10")).toBe("0x10 is not a valid number");
    expect(compileError("t.n = abc")).toBe("abc is not a valid number");
    expect(compileError("t.n contains 1")).toBe("filter error: 'contains' operator not supported for numeric filters");
    expect(compileError("t.b > 1")).toBe("filter error: '>' operator not supported for numeric filters");
    expect(compileError("t.b = yes")).toContain("unrecognized boolean value yes");
    expect(compileError("t.s bcontains 00")).toBe("filter error: 'bcontains' operator not supported for string filters");
    expect(compileError("t.nope = 1")).toBe("filter_check called with nonexistent field t.nope");
    expect(compileError("t.s = x and some_macro")).toBe("Undefined macro 'some_macro' used in filter.");
    expect(compileError("t.buf bcontains xyz")).toBe("filter error: bcontains and bstartswith operator support hex strings only");
  });
});

describe("addresses and networks", () => {
  test("ip equality and in", () => {
    expect(run("t.ip = 127.0.0.1", { "t.ip": "127.0.0.1" })).toBe(true);
    expect(run("t.ip = 127.0.0.2", { "t.ip": "127.0.0.1" })).toBe(false);
    expect(run("t.ip != ::1", { "t.ip": "127.0.0.1" })).toBe(true);
    expect(run("t.ip in (::1, 10.0.0.1)", { "t.ip": "::1" })).toBe(true);
    expect(run("t.ip = \"0:0:0:0:0:0:0:1\"", { "t.ip": "::1" })).toBe(true);
    expect(compileError("t.ip = 1.2.3")).toBe("unrecognized IPv4 address 1.2.3");
  });
  test("networks", () => {
    expect(run("t.net = 127.0.0.0/8", { "t.net": "127.1.2.3" })).toBe(true);
    expect(run("t.net in (\"127.0.0.1/24\")", { "t.net": "127.0.0.200" })).toBe(true);
    expect(run("t.net in (\"127.0.0.1/24\")", { "t.net": "127.0.1.200" })).toBe(false);
    expect(run("t.net != 10.0.0.0/8", { "t.net": "127.0.0.1" })).toBe(true);
    expect(run("t.net = \"fd00::/8\"", { "t.net": "fd12::1" })).toBe(true);
    expect(run("t.net = 10.0.0.0/8", { "t.net": "fd12::1" })).toBe(false);
    expect(compileError("t.net contains 1")).toContain("not supported for ip address and network filters");
  });
  test("either-side fields (fd.ip style): any value for =, every value for !=", () => {
    const v = { "t.eip": ["1.2.3.4", "5.6.7.8"] };
    expect(run("t.eip = 1.2.3.4", v)).toBe(true);
    expect(run("t.eip = 5.6.7.8", v)).toBe(true);
    expect(run("t.eip != 1.2.3.4", v)).toBe(false);
    expect(run("t.eip != 9.9.9.9", v)).toBe(true);
    expect(run("t.eip exists", { "t.eip": [] })).toBe(true);
    expect(run("t.eip = 1.2.3.4", { "t.eip": [] })).toBe(false);
    expect(run("t.anc != bash", { "t.anc": ["bash", "sshd"] })).toBe(true);
    expect(compileError("t.s = val(t.eip)")).toBe("field 't.eip' can't be used as a right-hand side field");
  });
});

describe("list fields", () => {
  test("in requires every element, intersects some", () => {
    expect(run("t.list in (a, b)", { "t.list": ["a"] })).toBe(true);
    expect(run("t.list in (a, b)", { "t.list": ["a", "c"] })).toBe(false);
    expect(run("t.list in (a, b)", { "t.list": [] })).toBe(true);
    expect(run("t.list intersects (a, b)", { "t.list": ["c", "b"] })).toBe(true);
    expect(run("t.list intersects (a, b)", { "t.list": [] })).toBe(false);
    expect(compileError("t.list = a")).toBe("filter error: '=' operator not supported list filters");
  });
});

describe("bytes", () => {
  test("bcontains/bstartswith take hex", () => {
    const v = { "t.buf": new Uint8Array([0x48, 0x54, 0x54, 0x50, 0x2f]) };
    expect(run("t.buf bstartswith 48545450", v)).toBe(true);
    expect(run("t.buf bcontains 5450", v)).toBe(true);
    expect(run("t.buf bcontains 5051", v)).toBe(false);
    expect(run("t.buf contains TP/", v)).toBe(true);
    expect(run("t.buf = HTTP/", v)).toBe(true);
  });
});

describe("transformers and right-hand fields", () => {
  test("single-value transformers", () => {
    expect(run("tolower(t.s) = abc", { "t.s": "AbC" })).toBe(true);
    expect(run("toupper(t.s) = ABC", { "t.s": "AbC" })).toBe(true);
    expect(run("basename(t.path) = ls", { "t.path": "/usr/bin/ls" })).toBe(true);
    expect(run("basename(t.path) = ls", { "t.path": "ls" })).toBe(true);
    expect(run("len(t.s) = 3", { "t.s": "abc" })).toBe(true);
    expect(run("len(t.s) > 2", { "t.s": "é" })).toBe(false);
    expect(run("len(t.list) = 2", { "t.list": ["a", "b"] })).toBe(true);
    expect(run("b64(t.s) = hello", { "t.s": "aGVsbG8=" })).toBe(true);
    expect(run("b64(t.s) exists", { "t.s": "!!!" })).toBe(false);
    expect(run("tolower(t.s) = abc", {})).toBe(false);
    expect(compileError("tolower(t.n) = 1")).toBe("can't add field transformer: type 'INT64' is not supported by 'tolower' transformer applied on field 't.n'");
    expect(compileError("tolower(t.net) = 1")).toBe("field 't.net' does not support transformers");
    expect(compileError("len(t.s) contains 1")).toBe("filter error: 'contains' operator not supported for numeric filters");
  });
  test("multi-value transformers", () => {
    expect(run("join(\"-\", t.list) = a-b", { "t.list": ["a", "b"] })).toBe(true);
    expect(run("concat(t.s, \"/\", t.s2) = a/b", { "t.s": "a", "t.s2": "b" })).toBe(true);
    expect(run("getopt(t.args, \"nt:\")[t] = x", { "t.args": ["-n", "-t", "x", "rest"] })).toBe(true);
    expect(run("getopt(t.args, \"nt:\") intersects (n)", { "t.args": ["-nt", "x"] })).toBe(true);
    expect(run("getopt(t.args, \"nt:\")[t] exists", { "t.args": ["-n"] })).toBe(false);
    expect(compileError("join(\"-\", t.s) = a")).toBe("join() second argument must be a list");
    expect(compileError("concat(t.s, t.n) = a")).toBe("concat() arguments must be strings");
  });
  test("fields on the right-hand side", () => {
    expect(run("t.s = val(t.s2)", { "t.s": "x", "t.s2": "x" })).toBe(true);
    expect(run("t.s = val(t.s2)", { "t.s": "x", "t.s2": "y" })).toBe(false);
    expect(run("t.s != val(t.s2)", { "t.s": "x" })).toBe(false);
    expect(compileError("t.s in val(t.list)")).toBe("field 't.s' has type 'CHARBUF' while the right-hand side field 't.list' has incompatible type 'CHARBUF (list)'");
    expect(run("t.s startswith tolower(t.s2)", { "t.s": "abc", "t.s2": "AB" })).toBe(true);
    expect(run("t.n < val(t.n)", { "t.n": 1 })).toBe(false);
    expect(compileError("t.s = val(t.n)")).toBe("field 't.s' has type 'CHARBUF' while the right-hand side field 't.n' has incompatible type 'INT64'");
    expect(compileError("t.s regex val(t.s2)")).toBe("operator 'REGEX' doesn't support right-hand side fields");
  });
});

describe("event types (ppm_event_codes)", () => {
  const codes = (n: string): number[] => [...(EVENT_CODES_BY_NAME.get(n) ?? [])];
  test("positive selections", () => {
    const a = cc("evt.type = open");
    expect(a.evttypes).toEqual(new Set(["open"]));
    expect([...a.evtcodes!].sort()).toEqual(codes("open").sort());
    expect(cc("evt.type in (open, openat)").evttypes).toEqual(new Set(["open", "openat"]));
    expect(cc("evt.type = open and t.s = x").evttypes).toEqual(new Set(["open"]));
    expect(cc("(evt.type = open or evt.type = close) and t.s = x").evttypes).toEqual(new Set(["open", "close"]));
    expect(cc("evt.type = open and evt.type = close").evttypes).toEqual(new Set());
  });
  test("neutral checks and negation", () => {
    expect(cc("t.s = x").evttypes).toBeNull();
    expect(cc("evt.type = open or t.s = x").evttypes).toBeNull();
    const ne = cc("evt.type != open");
    expect(ne.evttypes).not.toBeNull();
    expect(ne.evttypes!.has("open")).toBe(false);
    expect(ne.evttypes!.has("close")).toBe(true);
    const n = cc("not evt.type = open");
    expect(n.evttypes!.has("open")).toBe(false);
    expect(n.evttypes!.has("execve")).toBe(true);
    expect(cc("not not evt.type = open").evttypes).toEqual(new Set(["open"]));
    expect(cc("not evt.type != open").evttypes).toEqual(new Set(["open"]));
    expect(cc("not (evt.type = open and t.s = x)").evttypes).toBeNull();
    expect(cc("not t.s = x").evttypes).toBeNull();
  });
  test("syscalls without a dedicated event map to the generic events", () => {
    const g = cc("evt.type = syncfs");
    expect(g.evttypes!.has("syncfs")).toBe(true);
    expect(g.evttypes!.has("syscall")).toBe(true);
    expect(cc("evt.type = nosuchevent").evttypes).toEqual(new Set());
  });
});

describe("fields list", () => {
  test("unique, in first-use order", () => {
    expect(cc("t.s = a and (t.n = 1 or t.s = b) and t.anc[1] = x").fields).toEqual(["t.s", "t.n", "t.anc[1]"]);
  });
});
