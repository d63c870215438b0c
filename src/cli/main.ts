#!/usr/bin/env bun
/**
 * falco-ts command line (commander). Flags follow Falco 0.44's where the concept exists; formats,
 * defaults and exit codes follow CLI_CONTRACT.md. Exit codes: 0 success / stopped by signal,
 * 1 start-up error, invalid rules, unknown rule name, unreadable capture.
 */
import { Command, Option } from "commander";
import { runMain, type MainOptions } from "./agent.ts";
import { parseConditionCommand } from "./parse_condition.ts";
import { registerEventGenerator } from "../generator/cli.ts";
import { VERSION } from "./version.ts";

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Examples for the event-generator subcommands (added here so every --help shows some). */
const GENERATOR_EXAMPLES: Record<string, string> = {
  "event-generator": "falco-ts event-generator list\n  falco-ts event-generator run ReadSensitive\n  falco-ts event-generator test WriteBelow",
  list: "falco-ts event-generator list | cut -f1",
  run: "falco-ts event-generator run                  the safe actions once\n  falco-ts event-generator run shell --loop --sleep 1s",
  test: "falco-ts event-generator test                 every action, bundled rules\n  falco-ts event-generator test -r my_rules.yaml WriteBelow --timeout 10s",
};

function addSubcommandExamples(program: Command): void {
  const gen = program.commands.find((c) => c.name() === "event-generator");
  if (!gen) return;
  const add = (c: Command, key: string) => {
    const ex = GENERATOR_EXAMPLES[key];
    const codes = key === "test" ? "0 every target rule fired; 1 otherwise" : key === "list" ? "0" : "0 success; 1 an action failed to run";
    if (ex) c.addHelpText("after", `\nExit codes: ${codes}.\n\nExamples:\n  ${ex}`);
  };
  add(gen, "event-generator");
  for (const sub of gen.commands) add(sub, sub.name());
}

/** Build the commander program (exported for tests). */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name("falco-ts")
    .description("Runtime threat detection for Linux hosts and containers: Falco's rules on an eBPF probe.")
    .helpOption("-h, --help", "show help")
    .option("-r, --rules <path>", "rules file or directory (repeatable); replaces the configured/default rules", collect, [])
    .option("-c, --config <file>", "configuration file (default /etc/falco/falco.yaml if it exists, else built-in defaults)")
    .option("-o, --option <key=value>", "override a configuration key, e.g. -o json_output=true (repeatable)", collect, [])
    .option("--capture-file <out.scap>", "record the live events to a scap capture file (readable by -e and sysdig -r)")
    .option("-e, --capture <file>", "replay a scap capture file instead of live capture (= -o engine.kind=replay -o engine.replay.capture_file=FILE)")
    .option("-V, --validate <file>", "validate rules files (repeatable, loaded in order) and exit", collect, [])
    .option("-L", "list the loaded rules with their descriptions and exit")
    .option("-l <rule>", "describe one rule and exit")
    .addOption(new Option("--list [source]", "list the supported fields and exit"))
    .option("-D <substring>", "disable rules whose name contains SUBSTRING (repeatable)", collect, [])
    .option("-t <tag>", "only enable rules with this tag (repeatable)", collect, [])
    .option("-T <tag>", "disable rules with this tag (repeatable)", collect, [])
    .option("-A", "capture all supported syscalls (= -o base_syscalls.all=true)")
    .option("-U, --unbuffered", "unbuffered outputs (= -o buffered_outputs=false)")
    .option("-M <seconds>", "stop after SECONDS seconds")
    .option("--dry-run", "load config and rules, then exit without capturing")
    .option("--no-watch", "do not watch rules/config files (SIGHUP still reloads)")
    .option("--cri <path>", "CRI socket for container metadata (repeatable; replaces the default containerd/CRI-O/k3s sockets; = -o container.cri_sockets=[...])", collect, [])
    .option("--support", "print a JSON support report (versions, kernel, BTF, loaded rules) and exit")
    .option("--version", "print version information and exit")
    .addHelpText(
      "after",
      `
Exit codes: 0 success, end of a replay or stopped by SIGINT/SIGTERM; 1 start-up error (bad config,
rules, capture file, probe), invalid rules (-V), unknown rule (-l).

Examples:
  falco-ts                                   live, /etc/falco/falco.yaml or built-in defaults + embedded rules
  falco-ts -r rules/ -o json_output=true     live, a rules directory, JSON alerts
  falco-ts -e trace.scap -r my_rules.yaml    replay a capture
  falco-ts -V my_rules.yaml                  validate rules (add -o json_output=true for JSON)
  falco-ts parse-condition 'evt.type=open and fd.name startswith /etc'
  falco-ts event-generator list`,
    )
    .action(async (opts: MainOptions) => {
      const code = await runMain(opts);
      process.exitCode = code;
      // runMain has closed every output. Leave now rather than when the event loop empties: a
      // failed getaddrinfo (fd.*ip.name names prefetched from the rules, e.g. the upstream
      // "kubernetes.default.svc.cluster.local") keeps Bun's loop alive ~1 s after it settled.
      await flushStdio();
      process.exit(code);
    });

  program
    .command("parse-condition")
    .description("parse a Falco condition (syntax only) and print it in libsinsp's as_string form")
    .argument("<expr>", "the condition")
    .addHelpText(
      "after",
      `
Exit codes: 0 parsed; 1 syntax error ("column N: message" on stderr).

Examples:
  falco-ts parse-condition 'evt.type=open and fd.name startswith /etc'
  falco-ts parse-condition 'proc.name in (cat, less) or not evt.dir=<'`,
    )
    .action((expr: string) => {
      process.exitCode = parseConditionCommand(expr);
    });

  // Program options only before a subcommand, so `event-generator test -r X` keeps its own -r.
  program.enablePositionalOptions();
  registerEventGenerator(program);
  addSubcommandExamples(program);

  return program;
}

/** Resolve once everything written so far to stdout and stderr has been handed to the OS. */
async function flushStdio(): Promise<void> {
  for (const st of [process.stdout, process.stderr]) await new Promise<void>((r) => st.write("", () => r()));
}

if (import.meta.main) {
  // SIGHUP (reload) and SIGUSR1 (reopen outputs, e.g. from logrotate) must never kill the agent,
  // not even in the half second before it installs its handlers (the default action terminates).
  const ignore = (): void => {};
  process.on("SIGHUP", ignore);
  process.on("SIGUSR1", ignore);
  const argv = process.argv.slice();
  // `--version` handled before commander so it never needs the probe or rules.
  if (argv.includes("--version") && !argv.includes("parse-condition")) {
    process.stdout.write(VERSION.text());
    process.exit(0);
  }
  buildProgram()
    .parseAsync(argv)
    .catch((err: unknown) => {
      process.stderr.write(`falco-ts: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    });
}
