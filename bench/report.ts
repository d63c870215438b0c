/**
 * Aggregate bench/run.sh's raw measurements (one JSON object per line) into the summary table
 * (`benchmark | falco-ts | baseline | ratio | target | met`), print it, and write RESULTS.md with
 * the machine details (nproc, memory, kernel, CPU model, load average), date, commit, the
 * per-rate live figures and, after them, the hand-written analysis in bench/analysis.md.
 *
 * Every figure is "median (min–max)" over the repetitions; ratios are falco-ts / baseline from
 * the same run (for replay, per interleaved pair).
 *
 * Usage: bun bench/report.ts RAW.jsonl RESULTS.md
 */
import { execSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, release, totalmem } from "node:os";
import { median } from "./common.ts";

const [rawPath, outPath] = process.argv.slice(2);
if (!rawPath || !outPath) {
  process.stderr.write("usage: bun bench/report.ts RAW.jsonl RESULTS.md\n");
  process.exit(2);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Rec = Record<string, any>;
const recs: Rec[] = readFileSync(rawPath, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l, i) => {
    try {
      return JSON.parse(l) as Rec;
    } catch (e) {
      throw new Error(`${rawPath}:${i + 1}: not JSON (${(e as Error).message})`);
    }
  });
const by = (bench: string, tool?: string) => recs.filter((r) => r.bench === bench && (tool === undefined || r.tool === tool));
const meta = by("meta")[0] ?? {};
const metaEnd = by("meta_end")[0] ?? {};

/** Summary statistics of a list: median, min, max (NaN when empty). */
interface Stat {
  med: number;
  min: number;
  max: number;
  n: number;
}
function stat(xs: number[]): Stat {
  if (!xs.length) return { med: NaN, min: NaN, max: NaN, n: 0 };
  return { med: median(xs), min: Math.min(...xs), max: Math.max(...xs), n: xs.length };
}
function num(x: number, digits = 0): string {
  if (!Number.isFinite(x)) return "n/a";
  if (Math.abs(x) >= 1e6 && digits === 0) return `${(x / 1e6).toFixed(2)} M`;
  if (Math.abs(x) >= 1e4 && digits === 0) return `${(x / 1e3).toFixed(0)} k`;
  return x.toFixed(digits);
}
function fmt(s: Stat, digits = 0, unit = ""): string {
  if (!s.n) return "n/a";
  if (s.n === 1) return `${num(s.med, digits)}${unit}`;
  return `${num(s.med, digits)}${unit} (${num(s.min, digits)}–${num(s.max, digits)})`;
}

interface Row {
  name: string;
  ours: string;
  base: string;
  ratio: string;
  target: string;
  met: string;
}
const rows: Row[] = [];
const yes = (ok: boolean | null) => (ok === null ? "n/a" : ok ? "yes" : "NO");

// 1. replay throughput and RSS
const capEvents: number = meta.capture?.events ?? NaN;
const rf = by("replay", "falco-ts");
const rs = by("replay", "sysdig");
if (rf.length && rs.length) {
  const fEps = stat(rf.map((r) => capEvents / r.wall));
  const sEps = stat(rs.map((r) => capEvents / r.wall));
  const pairs = Math.min(rf.length, rs.length);
  const ratios = stat(Array.from({ length: pairs }, (_, i) => rs[i]!.wall / rf[i]!.wall));
  rows.push({ name: `replay throughput, events/s (${num(capEvents)} events)`, ours: fmt(fEps), base: `sysdig ${fmt(sEps)}`, ratio: fmt(ratios, 2, "×"), target: "≥ 1.0×", met: yes(ratios.med >= 1) });
  const fr = stat(rf.map((r) => r.rss_kb / 1024));
  const sr = stat(rs.map((r) => r.rss_kb / 1024));
  const fCpu = stat(rf.map((r) => capEvents / (r.user + r.sys)));
  const sCpu = stat(rs.map((r) => capEvents / (r.user + r.sys)));
  const cpuRatios = stat(Array.from({ length: pairs }, (_, i) => (rs[i]!.user + rs[i]!.sys) / (rf[i]!.user + rf[i]!.sys)));
  rows.push({ name: "replay throughput per CPU second (user+sys), events/s", ours: fmt(fCpu), base: `sysdig ${fmt(sCpu)}`, ratio: fmt(cpuRatios, 2, "×"), target: "(info)", met: "—" });
  rows.push({ name: `peak RSS, replay of ${num(capEvents)} events (MiB)`, ours: fmt(fr, 1), base: `sysdig ${fmt(sr, 1)}`, ratio: `${(fr.med / sr.med).toFixed(2)}×`, target: "≤ 80 MiB", met: yes(fr.med <= 80) });
}

// 2. live: per rate, per tool
interface LiveAgg {
  target: number;
  tool: string;
  ops: Stat;
  eps: Stat;
  drops: Stat;
  dropFree: boolean;
}
const live: LiveAgg[] = [];
const liveRecs = by("live");
const rates = [...new Set(liveRecs.map((r) => r.target as number))];
for (const tool of ["c", "agent"]) {
  for (const t of rates) {
    const rr = liveRecs.filter((r) => r.tool === tool && r.target === t);
    if (!rr.length) continue;
    live.push({
      target: t,
      tool,
      ops: stat(rr.map((r) => r.loadgen.rate)),
      eps: stat(rr.map((r) => r.result.events / r.loadgen.seconds)),
      drops: stat(rr.map((r) => r.result.drops)),
      dropFree: rr.every((r) => r.result.drops === 0),
    });
  }
}
function dropFree(tool: string): { rate: number; at: LiveAgg | null; dropsStart: LiveAgg | null } {
  const l = live.filter((x) => x.tool === tool);
  let best: LiveAgg | null = null;
  for (const x of l) if (x.dropFree && (!best || x.eps.med > best.eps.med)) best = x;
  const firstDrop = l.filter((x) => !x.dropFree).sort((a, b) => a.eps.med - b.eps.med)[0] ?? null;
  return { rate: best ? best.eps.med : 0, at: best, dropsStart: firstDrop };
}
if (live.length) {
  const c = dropFree("c");
  const a = dropFree("agent");
  const onset = (d: ReturnType<typeof dropFree>) => (d.dropsStart ? `drops from ${num(d.dropsStart.eps.med)} events/s (target ${d.dropsStart.target ? num(d.dropsStart.target) : "max"} ops/s)` : "no drops at any rate");
  const totalDrops = (tool: string) => liveRecs.filter((r) => r.tool === tool).reduce((acc, r) => acc + r.result.drops, 0);
  rows.push({ name: "live: kernel drops over all storms / drop onset", ours: `${totalDrops("agent")}; ${onset(a)}`, base: `C reader ${totalDrops("c")}; ${onset(c)}`, ratio: "—", target: "(info)", met: "—" });
  const label = (d: ReturnType<typeof dropFree>) => (d.at ? `${fmt(d.at.eps)} @ ${d.at.target ? num(d.at.target) : "max"} ops/s` : "drops at every rate");
  const ratio = c.rate > 0 ? a.rate / c.rate : NaN;
  rows.push({ name: "live: highest event rate processed with 0 drops, events/s", ours: label(a), base: `C reader ${label(c)}`, ratio: `${num(ratio, 2)}×`, target: "≥ 0.8×", met: yes(Number.isFinite(ratio) ? ratio >= 0.8 : null) });
}

// 3. consumer ceiling
// A pre-fill run is valid when the kernel wrote at least one event per storm operation (each
// openat+close pair makes two); runs where the probe saw far fewer are reported, not used.
const validPf = (r: Rec) => r.result.kernel_events >= r.loadgen.ops;
const invalidPf = by("prefill").filter((r) => !validPf(r));
const pc = by("prefill", "c").filter(validPf);
const pb = by("prefill", "bun").filter((r) => validPf(r) && (r.mode ?? "full") === "full");
if (pc.length && pb.length) {
  const cs = stat(pc.map((r) => r.result.rate));
  const bs = stat(pb.map((r) => r.result.rate));
  rows.push({ name: "consumer ceiling: drain of a pre-filled ring, events/s", ours: fmt(bs), base: `C reader ${fmt(cs)}`, ratio: `${(bs.med / cs.med).toFixed(3)}×`, target: "≥ 0.5×", met: yes(bs.med / cs.med >= 0.5) });
  if (pc.every((r) => r.result.cpu_rate) && pb.every((r) => r.result.cpu_rate)) {
    const cc = stat(pc.map((r) => r.result.cpu_rate));
    const bc = stat(pb.map((r) => r.result.cpu_rate));
    rows.push({ name: "consumer ceiling per CPU second of the reader, events/s", ours: fmt(bc), base: `C reader ${fmt(cc)}`, ratio: `${(bc.med / cc.med).toFixed(3)}×`, target: "(info)", met: "—" });
  }
}

// 4. reload
const rl = by("reload");
if (rl.length) {
  const warm = stat(rl.map((r) => r.result.median_ms));
  const warmAll = { ...warm, min: Math.min(...rl.map((r) => r.result.min_ms)), max: Math.max(...rl.map((r) => r.result.max_ms)) };
  const cold = stat(rl.map((r) => r.result.cold_ms));
  const loadOnly = stat(rl.map((r) => r.result.load_only_median_ms));
  const nrules = rl[0]!.result.rules;
  rows.push({ name: `rules reload, stable ruleset (${nrules} rules), load+compile wall ms`, ours: fmt(warmAll, 1, " ms"), base: `loadRules alone ${fmt(loadOnly, 1, " ms")}`, ratio: "—", target: "≤ 50 ms", met: yes(warm.med <= 50) });
  if (rl[0]!.result.cpu_median_ms !== undefined) {
    const cpuMs = { ...stat(rl.map((r) => r.result.cpu_median_ms)), min: Math.min(...rl.map((r) => r.result.cpu_min_ms)), max: Math.max(...rl.map((r) => r.result.cpu_max_ms)) };
    rows.push({ name: "rules reload, CPU time of the process (user+sys) ms", ours: fmt(cpuMs, 1, " ms"), base: "—", ratio: "—", target: "≤ 50 ms", met: yes(cpuMs.med <= 50) });
  }
  rows.push({ name: "first rules load in a fresh process (cold JIT) ms", ours: fmt(cold, 1, " ms"), base: "—", ratio: "—", target: "(info)", met: "—" });
}
// 4b. reload in the live agent (bench/reload_live.ts): per-reload samples, pooled over the runs
const rll = by("reload_live");
if (rll.length) {
  const ms = stat(rll.flatMap((r) => r.result.reload_ms as number[]));
  const nrules = rll[0]!.result.rules;
  const toLog = stat(rll.flatMap((r) => r.result.write_to_log_ms as number[]));
  rows.push({ name: "reload latency, end of debounce → new rules active (stable ruleset)", ours: fmt(ms, 1, " ms"), base: `${ms.n} reloads of ${nrules} rules (the agent's \`in X ms\`); file write → reload logged ${fmt(toLog, 0, " ms")}`, ratio: "—", target: "< 50 ms", met: yes(ms.med < 50) });
  const al = stat(rll.flatMap((r) => r.result.alert_ms as number[]));
  const alReload = stat(rll.flatMap((r) => r.result.alert_reload_ms as number[]));
  rows.push({ name: "reload latency, file write → first alert of a new rule", ours: fmt(al, 0, " ms"), base: `${al.n} new rules, marker exec every ${rll[0]!.result.exec_every_ms} ms; their reloads ${fmt(alReload, 1, " ms")}`, ratio: "—", target: "< 250 ms", met: yes(al.med < 250) });
}
const loadMs = rf.map((r) => r.rules_load_ms).filter((x) => x > 0);
if (loadMs.length) rows.push({ name: "rules load as logged by the agent at start (replay runs)", ours: fmt(stat(loadMs), 1, " ms"), base: "—", ratio: "—", target: "(info)", met: "—" });

// 5. startup, version, size
function hf(bench: string): { ours: Stat; base: Stat } | null {
  const r = by(bench)[0];
  if (!r) return null;
  const res = r.hyperfine.results as { command: string; times: number[] }[];
  const get = (n: string) => stat((res.find((x) => x.command === n)?.times ?? []).map((t) => t * 1000));
  return { ours: get("falco-ts"), base: get("sysdig") };
}
const su = hf("startup");
if (su) rows.push({ name: "start-up to first event processed (replay of a 200-event capture, whole process) ms", ours: fmt(su.ours, 0, " ms"), base: `sysdig ${fmt(su.base, 0, " ms")}`, ratio: `${(su.ours.med / su.base.med).toFixed(2)}×`, target: "≤ 300 ms", met: yes(su.ours.med <= 300) });
const ve = hf("version");
if (ve) rows.push({ name: "`--version` ms", ours: fmt(ve.ours, 1, " ms"), base: `sysdig ${fmt(ve.base, 1, " ms")}`, ratio: `${(ve.ours.med / ve.base.med).toFixed(2)}×`, target: "(info; PLATFORM: 12–17 ms)", met: "—" });
const sz = by("size")[0];
if (sz) rows.push({ name: "binary size (MB)", ours: (sz.falco_ts / 1e6).toFixed(1), base: `sysdig ${(sz.sysdig / 1e6).toFixed(1)}`, ratio: "—", target: "(info; PLATFORM: ~110 MB)", met: "—" });

// --- print and write -------------------------------------------------------------------------
const head = ["benchmark", "falco-ts", "baseline", "ratio", "target", "met"];
const table = [head, ...rows.map((r) => [r.name, r.ours, r.base, r.ratio, r.target, r.met])];
const widths = head.map((_, i) => Math.max(...table.map((r) => r[i]!.length)));
const text = table.map((r, k) => r.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + (k === 0 ? `\n${widths.map((w) => "-".repeat(w)).join("-|-")}` : "")).join("\n");
process.stdout.write(`${text}\n`);

const md: string[] = [];
const sh = (cmd: string) => {
  try {
    return execSync(cmd, { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
};
md.push("# falco-ts benchmark results", "");
md.push("Generated by `bash bench/run.sh` (bench/report.ts); the analysis at the end is bench/analysis.md.", "");
md.push("## Machine and run", "");
md.push(`- date: ${new Date().toISOString()}`);
md.push(`- commit: ${sh("git rev-parse --short=12 HEAD")}${sh("git status --porcelain -- src ffi | head -1") ? " (with uncommitted changes in src/ or ffi/)" : ""}`);
md.push(`- nproc: ${cpus().length}; memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; kernel: ${release()}; CPU: ${cpus()[0]?.model ?? "unknown"}`);
md.push(`- load average (1/5/15 min) at start: ${meta.load_start ?? "?"}; at end: ${metaEnd.load_end ?? "?"} (the machine is shared: other work was running)`);
md.push(`- falco-ts timed as: \`${meta.fts_cmd ?? "?"}\`; live benchmarks run the agent from source (bench/agent_live.ts = runMain)`);
md.push(`- sysdig: ${sh("sysdig --version")}; hyperfine: ${sh("hyperfine --version")}; bun: ${sh("node_modules/.bin/bun --version")}`);
md.push(`- replay capture: ${meta.big ?? "?"} — ${meta.capture ? `${meta.capture.copies}× the ${meta.capture.source_events} events of sf-collector/mpm-worker/full_capture.scap = ${meta.capture.events} events, ${(meta.capture.bytes / 1e6).toFixed(1)} MB` : "?"}; rules: ${meta.rules ?? "?"}`);
md.push(`- whole run: ${metaEnd.seconds ?? "?"} s`, "");
md.push("## Summary", "", "Figures are median (min–max) over the repetitions.", "");
md.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
for (const r of rows) md.push(`| ${[r.name, r.ours, r.base, r.ratio, r.target, r.met].join(" | ")} |`);
md.push("");
if (live.length) {
  md.push("## Live pipeline per storm rate", "");
  md.push(`openat+close storm for ${meta.storm_seconds ?? "?"} s per run (bench/loadgen.c; target 0 = unthrottled). events/s = events read by the consumer ÷ storm seconds (includes the machine's other processes' selected syscalls). drops = kernel ring-buffer reservation failures.`, "");
  md.push("| reader | target ops/s | achieved ops/s | events/s processed | kernel drops | drop-free |", "|---|---|---|---|---|---|");
  for (const x of live) md.push(`| ${x.tool === "c" ? "C reader (cdrain)" : "falco-ts agent"} | ${x.target ? num(x.target) : "max"} | ${fmt(x.ops)} | ${fmt(x.eps)} | ${fmt(x.drops)} | ${x.dropFree ? "yes" : "no"} |`);
  md.push("");
}
if (pc.length || pb.length) {
  md.push("## Consumer ceiling runs", "");
  md.push(`Ring buffer ${((meta.prefill_ring ?? 0) / 2 ** 20).toFixed(0)} MiB, filled by an unthrottled storm of ${meta.prefill_storm ?? "?"} s while the reader waits, then drained.`, "");
  md.push("| reader | events drained | seconds | events/s | CPU seconds | events/CPU s | kernel drops while filling |", "|---|---|---|---|---|---|---|");
  const label = (r: Rec) => (r.tool === "c" ? "C reader (copy out, count)" : ({ full: "Bun pipeline (decode, state, rules)", state: "Bun split: decode + state", decode: "Bun split: decode only" } as Record<string, string>)[r.mode ?? "full"] ?? r.mode);
  for (const r of [...pc, ...by("prefill", "bun").filter(validPf)]) md.push(`| ${label(r)} | ${r.result.events} | ${r.result.seconds.toFixed(3)} | ${num(r.result.rate)} | ${r.result.cpu_seconds?.toFixed(3) ?? "n/a"} | ${r.result.cpu_rate ? num(r.result.cpu_rate) : "n/a"} | ${r.result.drops} |`);
  md.push("");
  md.push("| reader | median events/s (min–max) | ns/event (wall) | median events per CPU second | ns/event (CPU) |", "|---|---|---|---|---|");
  for (const [name, rr] of [["C reader", pc], ...["decode", "state", "full"].map((m) => [`Bun ${m}`, by("prefill", "bun").filter((r) => validPf(r) && (r.mode ?? "full") === m)] as const)] as [string, Rec[]][]) {
    if (!rr.length) continue;
    const s = stat(rr.map((r) => r.result.rate));
    const sc = stat(rr.filter((r) => r.result.cpu_rate).map((r) => r.result.cpu_rate));
    md.push(`| ${name} | ${fmt(s)} | ${(1e9 / s.med).toFixed(0)} | ${fmt(sc)} | ${sc.n ? (1e9 / sc.med).toFixed(0) : "n/a"} |`);
  }
  for (const r of invalidPf) md.push("", `Not used: ${r.tool} ${r.mode ?? ""} run ${r.rep}: the kernel wrote ${r.result.kernel_events} events during a storm of ${r.loadgen.ops} openat+close pairs (0 drops) — the probe missed the storm.`);
  md.push("");
}
const analysis = "bench/analysis.md";
if (existsSync(analysis)) md.push(readFileSync(analysis, "utf8").trim(), "");
writeFileSync(outPath, `${md.join("\n")}\n`);
