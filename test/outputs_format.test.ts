import { readFileSync } from "node:fs";
import { beforeEach, describe, expect, it } from "vitest";
import { compileOutput, escapeControls, OutputFormatError } from "../src/outputs/format.ts";
import {
  type Alert,
  formatAlertJson,
  formatAlertText,
  formatTimeDefault,
  formatTimeIso8601,
  formatTimeJson,
  internalAlert,
  makeRuleAlert,
  parsePriority,
  PRIORITY,
  priorityName,
} from "../src/outputs/alert.ts";
import { eventAt, fakeRegistry as reg, parseJsonExact, vals } from "./outputs_helpers.ts";

const TS = 1470327477881781397n; // 2016-08-04T16:17:57.881781397Z, above 2^53
const ev = eventAt(TS);

function clearVals(): void {
  for (const k of Object.keys(vals)) delete vals[k];
}

function compileErr(fmt: string): OutputFormatError {
  try {
    compileOutput(fmt, reg);
  } catch (e) {
    expect(e).toBeInstanceOf(OutputFormatError);
    return e as OutputFormatError;
  }
  throw new Error(`expected ${JSON.stringify(fmt)} to fail`);
}

describe("output format tokenizer", () => {
  beforeEach(() => {
    clearVals();
    vals["proc.name"] = "bash";
    vals["proc.cmdline"] = "bash -c ls";
    vals["user.name"] = "root";
    vals["proc.pid"] = 4242;
  });

  it("renders raw text and fields", () => {
    const t = compileOutput("Shell (user=%user.name cmd=%proc.cmdline pid=%proc.pid)", reg);
    expect(t.renderText(ev)).toBe("Shell (user=root cmd=bash -c ls pid=4242)");
    expect(t.fieldNames).toEqual(["user.name", "proc.cmdline", "proc.pid"]);
  });

  it("strips a leading * and keeps text without fields", () => {
    expect(compileOutput("*no fields here", reg).renderText(ev)).toBe("no fields here");
    expect(compileOutput("*%proc.name", reg).renderText(ev)).toBe("bash");
  });

  it("ends a field at the longest prefix that is a known field", () => {
    expect(compileOutput("%proc.names", reg).renderText(ev)).toBe("bashs");
    expect(compileOutput("%proc.name.", reg).renderText(ev)).toBe("bash.");
    expect(compileOutput("%proc.name:%proc.pid,", reg).renderText(ev)).toBe("bash:4242,");
    expect(compileOutput("[%proc.name]", reg).renderText(ev)).toBe("[bash]");
    expect(compileOutput("%proc.name%proc.pid", reg).renderText(ev)).toBe("bash4242");
  });

  it("takes [arg] and falls back to raw text when the arg does not bind", () => {
    vals["proc.aname[2]"] = "sshd";
    vals["proc.aname"] = "sh";
    const t = compileOutput("p=%proc.aname[2] q=%proc.aname[x]", reg);
    expect(t.renderText(ev)).toBe("p=sshd q=sh[x]");
    expect(t.fieldNames).toEqual(["proc.aname[2]", "proc.aname"]);
    const q = compileOutput("%evt.arg.flags %evt.arg[name]", reg);
    vals["evt.arg[flags]"] = "O_RDONLY";
    vals["evt.arg[name]"] = "/etc";
    expect(q.renderText(ev)).toBe("O_RDONLY /etc");
  });

  it("applies widths by truncating or padding to exactly N bytes", () => {
    const t = compileOutput("[%8proc.name][%2proc.cmdline][%0proc.name]", reg);
    expect(t.renderText(ev)).toBe("[bash    ][ba][bash]");
    vals["proc.name"] = "héllo"; // é is 2 bytes
    expect(compileOutput("[%7proc.name]", reg).renderText(ev)).toBe("[héllo ]");
  });

  it("renders <NA> for missing values and null in fields", () => {
    const t = compileOutput("fd=%fd.name", reg);
    const r = t.render(ev);
    expect(r.text).toBe("fd=<NA>");
    expect(r.fields.has("fd.name")).toBe(true);
    expect(r.fields.get("fd.name")).toBeUndefined();
  });

  it("rejects a trailing %, trailing width digits, %% and unknown fields with positions", () => {
    expect(compileErr("abc %").message).toBe("invalid formatting syntax: formatting cannot end with a %");
    expect(compileErr("abc %").position).toBe(4);
    expect(compileErr("abc %12").message).toBe("invalid formatting syntax: formatting cannot end with a number");
    const pp = compileErr("100%% sure");
    expect(pp.falcoMessage.startsWith("unknown filter: ")).toBe(true);
    expect(pp.position).toBe(3);
    const e = compileErr("user=%user.name cmd=%proc.nosuch");
    expect(e.falcoMessage).toBe("unknown filter: unexpected token after '");
    expect(e.message).toContain("proc.nosuch");
    expect(e.message.startsWith("unknown filter: ")).toBe(true);
    expect(e.position).toBe(20);
    expect(compileErr("*x %nofield").position).toBe(3);
    expect(compileErr("").message).toBe("empty formatting token");
  });

  it("has no %% escape and no %(field) form (libsinsp 0.25): both are compile errors", () => {
    expect(compileErr("100% done").falcoMessage.startsWith("unknown filter: ")).toBe(true);
    expect(compileErr("%(proc.name)").position).toBe(0);
  });

  it("uses the registry's BoundField.json (libsinsp extract_as_js) when present", () => {
    const wrapped: typeof reg = {
      lookup: (n) => reg.lookup(n),
      all: () => reg.all(),
      bind: (n, a) => {
        const b = reg.bind(n, a);
        return n === "proc.name" ? { ...b, json: () => 77n } : b;
      },
    };
    const r = compileOutput("%proc.name", wrapped).render(ev);
    expect(r.text).toBe("bash");
    expect(r.fields.get("proc.name")).toBe(77n);
  });

  it("refuses filter-only fields as display fields", () => {
    const e = compileErr("ip=%fd.ip");
    expect(e.message).toContain("fd.ip");
    expect(compileOutput("ip=%fd.rip", reg).renderText(ev)).toBe("ip=<NA>");
  });

  it("supports transformers and registers their inner fields", () => {
    vals["proc.name"] = "BaSh";
    vals["proc.exepath"] = "/usr/bin/bash";
    vals["fd.types"] = ["ipv4", "file"];
    const t = compileOutput(
      "%tolower(proc.name) %toupper( proc.name ) %basename(proc.exepath) %len(proc.exepath) %concat(proc.name, '-', user.name) %join(',', fd.types)",
      reg,
    );
    const r = t.render(ev);
    expect(r.text).toBe("bash BASH bash 13 BaSh-root ipv4,file");
    expect([...r.fields.keys()]).toEqual(["proc.name", "proc.exepath", "user.name", "fd.types"]);
    const t2 = compileOutput("%tolower(proc.name)", reg, { resolveTransformedFields: true });
    expect([...t2.render(ev).fields.entries()]).toEqual([
      ["proc.name", "BaSh"],
      ["tolower(proc.name)", "bash"],
    ]);
    vals["proc.cmdline"] = btoa("hello");
    expect(compileOutput("%b64(proc.cmdline)", reg).renderText(ev)).toBe("hello");
    expect(() => compileOutput("%tolower(proc.pid)", reg)).toThrow(OutputFormatError);
    expect(() => compileOutput("%tolower(proc.name)[1]", reg)).not.toThrow(); // "[1]" stays raw text
    expect(compileOutput("%tolower(proc.name)[1]", reg).renderText(ev)).toBe("bash[1]");
  });

  it("renders values as libsinsp: bools, 64-bit ints, doubles, hex, bytes, lists", () => {
    vals["evt.is_async"] = false;
    vals["thread.cpu"] = 2;
    vals["fd.dev"] = -2;
    vals["evt.buffer"] = new Uint8Array([0x41, 0x0a, 0x42, 0x1b, 0x7f, 0xff]);
    vals["fd.types"] = ["ipv4", "file"];
    vals["thread.cap_permitted"] = 18446744073709551615n;
    const t = compileOutput(
      "a=%evt.is_async c=%thread.cpu d=%fd.dev b=%evt.buffer l=%fd.types raw=%evt.rawtime ns=%evt.rawtime.ns cap=%thread.cap_permitted",
      reg,
    );
    const r = t.render(ev);
    expect(r.text).toBe(
      "a=false c=2.0 d=FFFFFFFE b=A.B... l=(ipv4,file) raw=1470327477881781397 ns=881781397 cap=18446744073709551615",
    );
    expect(r.fields.get("evt.is_async")).toBe(false);
    expect(r.fields.get("thread.cpu")).toBe(2);
    expect(r.fields.get("fd.dev")).toBe("FFFFFFFE");
    expect(r.fields.get("evt.buffer")).toBe("A.B...");
    expect(r.fields.get("fd.types")).toEqual(["ipv4", "file"]);
    expect(r.fields.get("evt.rawtime")).toBe(TS);
    expect(r.fields.get("evt.rawtime.ns")).toBe("881781397"); // PF_10_PADDED_DEC → string
    expect(r.fields.get("thread.cap_permitted")).toBe(18446744073709551615n);
  });

  it("gives evt.time* the event timestamp as JSON value (exact int64)", () => {
    const r = compileOutput("%evt.time.iso8601 %evt.time", reg).render(ev);
    expect(r.text).toBe("2016-08-04T16:17:57.881781397+0000 16:17:57.881781397");
    expect(r.fields.get("evt.time.iso8601")).toBe(TS);
    expect(r.fields.get("evt.time")).toBe(TS);
  });
});

describe("escaping hostile strings", () => {
  it("escapes control characters, DEL, C1 and lone surrogates, keeps the rest", () => {
    expect(escapeControls("plain text é ✓")).toBe("plain text é ✓");
    // A right-to-left override in a file name would make the displayed name lie.
    expect(escapeControls("/tmp/evil\u202Etxt.sh")).toBe("/tmp/evil\\u202etxt.sh");
    expect(escapeControls("a\u2028b\u2029c")).toBe("a\\u2028b\\u2029c");
    expect(escapeControls("a\nb\rc\td\be\ff")).toBe("a\\nb\\rc\\td\\be\\ff");
    expect(escapeControls("\x1b[31mred\x1b[0m")).toBe("\\u001b[31mred\\u001b[0m");
    expect(escapeControls("x\x00y\x7fz\u009b")).toBe("x\\u0000y\\u007fz\\u009b");
    expect(escapeControls("bad \ud800 pair 😀")).toBe("bad \uFFFD pair 😀");
    expect(escapeControls('q"\\', "controls")).toBe('q"\\');
    expect(escapeControls('q"\\\n', "json")).toBe('q\\"\\\\\\n');
  });

  it("keeps an alert with newlines/ANSI in event data on one line (text) and valid JSON", () => {
    vals["proc.cmdline"] = "evil\n2016-08-04T00:00:00.000000000+0000: Critical fake alert\x1b[2J\r";
    const tpl = compileOutput("cmd=%proc.cmdline", reg);
    const a = makeRuleAlert({ ev, rule: "r", priority: PRIORITY.WARNING, template: tpl, tags: [], hostname: "h" });
    const line = formatAlertText(a, { timeFormatIso8601: true });
    expect(line.includes("\n")).toBe(false);
    expect(line.includes("\r")).toBe(false);
    expect(line.includes("\x1b")).toBe(false);
    expect(line).toBe(
      "2016-08-04T16:17:57.881781397+0000: Warning cmd=evil\\n2016-08-04T00:00:00.000000000+0000: Critical fake alert\\u001b[2J\\r",
    );
    const j = formatAlertJson(a, { timeFormatIso8601: true });
    expect(j.includes("\n")).toBe(false);
    const o = parseJsonExact(j) as { output_fields: Record<string, unknown> };
    expect(o.output_fields["proc.cmdline"]).toBe(vals["proc.cmdline"]);
  });
});

describe("alert rendering vs Falco's testing_outputs", () => {
  const dir = new URL("../../shared/conformance/testing_outputs/", import.meta.url);
  const txt = readFileSync(new URL("single_rule_with_cat_write.txt", dir), "utf8");
  const jsonLines = readFileSync(new URL("single_rule_with_cat_write.json", dir), "utf8").trim().split("\n");
  // The event times come from the JSON expectations' exact integers; the text is checked separately.
  const times = jsonLines.map((l) => BigInt(/"evt\.time\.iso8601":(\d+)/.exec(l)![1]!));
  const opts = { timeFormatIso8601: true };

  function alerts(): Alert[] {
    clearVals();
    vals["proc.cmdline"] = "cat /dev/null";
    const tpl = compileOutput("An open was seen (command=%proc.cmdline)", reg);
    return times.map((t) =>
      makeRuleAlert({
        ev: eventAt(t),
        rule: "open_from_cat",
        priority: parsePriority("WARNING"),
        template: tpl,
        tags: ["testing", "process", "filesystem"],
        source: "syscall",
        hostname: "test-falco-hostname",
      }),
    );
  }

  it("has 8 expected alerts", () => {
    expect(times.length).toBe(8);
  });

  it("text: byte-exact", () => {
    const out = alerts().map((a) => formatAlertText(a, opts) + "\n").join("");
    expect(out).toBe(txt);
  });

  it("JSON: semantically equal (same keys, same typed values, exact 64-bit ints)", () => {
    const mine = alerts().map((a) => formatAlertJson(a, opts));
    for (let i = 0; i < mine.length; i++) {
      expect(parseJsonExact(mine[i]!)).toEqual(parseJsonExact(jsonLines[i]!));
      expect(mine[i]).toContain(`"evt.time.iso8601":${times[i]}`);
    }
  });

  it("JSON: keys in nlohmann (sorted) order, compact", () => {
    const j = formatAlertJson(alerts()[0]!, opts);
    expect(j).toBe(
      '{"hostname":"test-falco-hostname","output":"2016-08-04T16:17:57.881781397+0000: Warning An open was seen (command=cat /dev/null)",' +
        '"output_fields":{"evt.time.iso8601":1470327477881781397,"proc.cmdline":"cat /dev/null"},"priority":"Warning","rule":"open_from_cat",' +
        '"source":"syscall","tags":["filesystem","process","testing"],"time":"2016-08-04T16:17:57.881781397Z"}',
    );
  });

  it("json_include_* properties", () => {
    const a = alerts()[0]!;
    const o = parseJsonExact(
      formatAlertJson(a, {
        ...opts,
        jsonIncludeOutputProperty: false,
        jsonIncludeTagsProperty: false,
        jsonIncludeMessageProperty: true,
        jsonIncludeOutputFieldsProperty: false,
      }),
    ) as Record<string, unknown>;
    expect(Object.keys(o)).toEqual(["hostname", "message", "priority", "rule", "source", "time"]);
    expect(o.message).toBe("An open was seen (command=cat /dev/null)");
  });

  it("default (non-ISO) time form and evt.time prefix field", () => {
    const a = alerts()[0]!;
    expect(formatAlertText(a)).toBe("16:17:57.881781397: Warning An open was seen (command=cat /dev/null)");
    const o = parseJsonExact(formatAlertJson(a)) as { output_fields: Record<string, unknown> };
    expect(o.output_fields["evt.time"]).toBe("1470327477881781397n");
    expect(o.output_fields["evt.time.iso8601"]).toBeUndefined();
  });
});

describe("time and priority helpers", () => {
  it("formats times", () => {
    expect(formatTimeIso8601(TS)).toBe("2016-08-04T16:17:57.881781397+0000");
    expect(formatTimeJson(TS)).toBe("2016-08-04T16:17:57.881781397Z");
    expect(formatTimeDefault(TS)).toBe("16:17:57.881781397");
    expect(formatTimeDefault(5n)).toBe("00:00:00.000000005");
  });
  it("parses and names priorities as Falco", () => {
    expect(parsePriority("info")).toBe(6);
    expect(parsePriority("Informational")).toBe(6);
    expect(parsePriority("CRITICAL")).toBe(2);
    expect(() => parsePriority("loud")).toThrow("Unknown priority value: loud");
    expect(priorityName(0)).toBe("Emergency");
    expect(priorityName(7)).toBe("Debug");
  });
});

describe("internal alerts", () => {
  it("has Falco's handle_msg shape (no tags; fields in text as k=json)", () => {
    const a = internalAlert(
      "Falco internal: syscall event drop",
      "Critical",
      "Falco internal: syscall event drop. 12 system calls dropped in last second.",
      { "n_drops": 12, "ebpf_enabled": 1, "n_evts": 3000000000000000123n, "note": "a b" },
      TS,
      "h1",
    );
    expect(a.source).toBe("internal");
    expect(a.tags).toEqual([]);
    expect(formatAlertText(a, { timeFormatIso8601: true })).toBe(
      '16:17:57.881781397: Critical Falco internal: syscall event drop. 12 system calls dropped in last second. (ebpf_enabled=1 n_drops=12 n_evts=3000000000000000123 note="a b")',
    );
    const j = formatAlertJson(a, { timeFormatIso8601: true });
    expect(j).toBe(
      '{"hostname":"h1","output":"Falco internal: syscall event drop. 12 system calls dropped in last second.",' +
        '"output_fields":{"ebpf_enabled":1,"n_drops":12,"n_evts":3000000000000000123,"note":"a b"},"priority":"Critical",' +
        '"rule":"Falco internal: syscall event drop","source":"internal","time":"2016-08-04T16:17:57.881781397Z"}',
    );
  });

  it("defaults hostname from FALCO_HOSTNAME and time to now", () => {
    const old = process.env.FALCO_HOSTNAME;
    process.env.FALCO_HOSTNAME = "from-env";
    try {
      const before = BigInt(Date.now()) * 1_000_000n;
      const a = internalAlert("Falco internal: hot restart failure", PRIORITY.CRITICAL, "x");
      expect(a.hostname).toBe("from-env");
      expect(a.time >= before - 1_000_000n).toBe(true);
      expect(a.time <= BigInt(Date.now() + 1) * 1_000_000n).toBe(true);
    } finally {
      if (old === undefined) delete process.env.FALCO_HOSTNAME;
      else process.env.FALCO_HOSTNAME = old;
    }
  });
});
