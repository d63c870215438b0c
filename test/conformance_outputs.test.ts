/**
 * Falco's exact-output cases (../shared/conformance/testing_outputs/, from falcosecurity/testing
 * tests/falco/legacy_test.go StdoutOutputStrict / StdoutOutputJsonStrict / FileOutputStrict):
 * the CLI (a subprocess, agentCommand()) replays cat_write.scap with rule `open_from_cat`,
 * FALCO_HOSTNAME=test-falco-hostname and time_format_iso_8601=true, and
 *
 *  - text: stdout is byte for byte single_rule_with_cat_write.txt (final newline included), and so
 *    is the file output's file;
 *  - JSON (rules/single_rule_with_tags.yaml, as the JSON case uses): each stdout line is
 *    semantically equal to the line of single_rule_with_cat_write.json (same keys, same typed
 *    values; integers compared exactly, beyond 2^53 too).
 */
import { describe, expect, test } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { agentCommand, REPO, SHARED } from "./helpers/agent.ts";

const OUT = join(SHARED, "conformance/testing_outputs");
const CAPTURE = join(SHARED, "captures/falco/trace_files/cat_write.scap");
const RULES = join(SHARED, "captures/falco/rules");

/** Run the CLI to completion with an empty config (no host falco.yaml), returning its output. */
function run(args: string[]): { stdout: string; stderr: string; code: number | null } {
  const dir = mkdtempSync(join(tmpdir(), "fts-outputs-conf-"));
  try {
    writeFileSync(join(dir, "empty.yaml"), "{}\n");
    const [cmd, ...pre] = agentCommand();
    const r = spawnSync(cmd!, [...pre, "-c", join(dir, "empty.yaml"), ...args], {
      cwd: REPO,
      env: { ...process.env, FALCO_HOSTNAME: "test-falco-hostname" },
      encoding: "utf8",
      timeout: 60_000,
    });
    return { stdout: r.stdout, stderr: r.stderr, code: r.status };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A JSON value with integers kept exact (bigint) and other numbers as number. */
type J = null | boolean | string | number | bigint | J[] | { [k: string]: J };

/**
 * Parse JSON keeping integer literals exact as bigint (JSON.parse would round 1470327477881781397).
 * @throws SyntaxError on malformed JSON.
 */
function parseExactJson(text: string): J {
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (what: string): never => {
    throw new SyntaxError(`${what} at offset ${i} of ${JSON.stringify(text.slice(0, 80))}`);
  };
  const value = (): J => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: { [k: string]: J } = {};
      ws();
      if (text[i] === "}") return i++, o;
      for (;;) {
        ws();
        const k = value();
        if (typeof k !== "string") fail("object key expected");
        ws();
        if (text[i++] !== ":") fail("':' expected");
        o[k as string] = value();
        ws();
        const d = text[i++];
        if (d === "}") return o;
        if (d !== ",") fail("',' or '}' expected");
      }
    }
    if (c === "[") {
      i++;
      const a: J[] = [];
      ws();
      if (text[i] === "]") return i++, a;
      for (;;) {
        a.push(value());
        ws();
        const d = text[i++];
        if (d === "]") return a;
        if (d !== ",") fail("',' or ']' expected");
      }
    }
    if (c === '"') {
      const m = /^"(?:[^"\\\u0000-\u001f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*"/.exec(text.slice(i));
      if (!m) fail("bad string");
      i += m![0].length;
      return JSON.parse(m![0]) as string;
    }
    const lit = /^(?:true|false|null)/.exec(text.slice(i));
    if (lit) {
      i += lit[0].length;
      return lit[0] === "null" ? null : lit[0] === "true";
    }
    const num = /^-?(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(text.slice(i));
    if (!num) return fail("value expected");
    i += num[0].length;
    return num[1] === undefined && num[2] === undefined ? BigInt(num[0]) : Number(num[0]);
  };
  const v = value();
  ws();
  if (i !== text.length) fail("trailing characters");
  return v;
}

describe("Falco exact outputs on cat_write.scap", () => {
  const expectedText = readFileSync(join(OUT, "single_rule_with_cat_write.txt"), "utf8");

  test("text alerts on stdout equal single_rule_with_cat_write.txt byte for byte", () => {
    const r = run(["-e", CAPTURE, "-r", join(RULES, "single_rule.yaml"), "-o", "time_format_iso_8601=true", "-o", "syslog_output.enabled=false"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(expectedText);
  });

  test("file output equals single_rule_with_cat_write.txt byte for byte", () => {
    const dir = mkdtempSync(join(tmpdir(), "fts-outputs-file-"));
    try {
      const f = join(dir, "file_output.txt");
      const r = run([
        "-e", CAPTURE, "-r", join(RULES, "single_rule.yaml"), "-o", "time_format_iso_8601=true", "-o", "syslog_output.enabled=false",
        "-o", "file_output.enabled=true", "-o", `file_output.filename=${f}`, "-o", "stdout_output.enabled=false",
      ]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("");
      expect(readFileSync(f, "utf8")).toBe(expectedText);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("JSON alerts are semantically equal to single_rule_with_cat_write.json", () => {
    const expectedLines = readFileSync(join(OUT, "single_rule_with_cat_write.json"), "utf8").split("\n").filter((l) => l.trim() !== "");
    const r = run([
      "-e", CAPTURE, "-r", join(RULES, "single_rule_with_tags.yaml"), "-o", "json_output=true", "-o", "time_format_iso_8601=true",
      "-o", "json_include_output_property=true", "-o", "json_include_tags_property=true", "-o", "syslog_output.enabled=false",
    ]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.at(-1)).toBe(""); // ends with a newline
    lines.pop();
    expect(lines.length).toBe(expectedLines.length);
    for (let k = 0; k < expectedLines.length; k++) {
      const want = parseExactJson(expectedLines[k]!);
      const got = parseExactJson(lines[k]!);
      expect(got, `line ${k + 1}: ${lines[k]}`).toEqual(want);
    }
    // the exact-integer parse matters: the nanosecond time is above 2^53
    const first = parseExactJson(lines[0]!) as { output_fields: { "evt.time.iso8601": J } };
    expect(first.output_fields["evt.time.iso8601"]).toBe(1470327477881781397n);
  });

  test("parseExactJson keeps big integers exact and rejects malformed text", () => {
    expect(parseExactJson('{"a":[1,2.5,"x\\n",true,null],"b":9007199254740993}')).toEqual({ a: [1n, 2.5, "x\n", true, null], b: 9007199254740993n });
    expect(parseExactJson('{"b":9007199254740993}')).not.toEqual({ b: 9007199254740992n });
    expect(() => parseExactJson('{"a":1,}')).toThrow(SyntaxError);
    expect(() => parseExactJson('{"a":1} x')).toThrow(SyntaxError);
  });
});
