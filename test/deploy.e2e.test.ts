/**
 * Deployment files (issue 8): scripts/install.sh into a DESTDIR, and deploy/daemonset.yaml:
 *
 *  - install.sh lays out /usr/bin/falco-ts, /etc/falco/{falco.yaml, falco_rules.yaml,
 *    falco_rules.local.yaml (empty, kept), rules.d/}, /var/log/falco_events.log and the systemd
 *    unit (Restart=on-failure, root); a second run keeps the user's config and local rules;
 *  - the DaemonSet has what the probe needs (hostPID, privileged, HOST_ROOT=/host with / mounted
 *    read-only at /host, /sys/kernel/btf, /etc/falco from the ConfigMap without subPath);
 *  - the ConfigMap's files, laid out exactly as the kubelet writes a ConfigMap volume
 *    (`..<timestamp>/` directories, `..data` symlink, one symlink per key), run with the real
 *    agent and probe; an update done as the kubelet does it (new directory, `..data` swapped by
 *    rename) is picked up: a rule added to falco_rules.local.yaml fires without a restart.
 */
import { afterAll, describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { REPO, startAgent, type AgentHandle } from "./helpers/agent.ts";

const WORK = mkdtempSync("/var/tmp/falco-ts-deploy-e2e-");
let agent: AgentHandle | undefined;

afterAll(async () => {
  if (agent) await agent.stop();
  rmSync(WORK, { recursive: true, force: true });
});

describe("scripts/install.sh", () => {
  const dest = join(WORK, "dest");

  it("installs the binary, /etc/falco, the log file and the systemd unit", () => {
    const r = spawnSync("bash", [join(REPO, "scripts/install.sh")], { env: { ...process.env, DESTDIR: dest }, encoding: "utf8", timeout: 600_000 });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(statSync(join(dest, "usr/bin/falco-ts")).mode & 0o777).toBe(0o755);
    expect(readFileSync(join(dest, "usr/bin/falco-ts")).equals(readFileSync(join(REPO, "falco-ts")))).toBe(true);
    expect(readFileSync(join(dest, "etc/falco/falco.yaml"), "utf8")).toBe(readFileSync(join(REPO, "falco.yaml"), "utf8"));
    expect(readFileSync(join(dest, "etc/falco/falco_rules.yaml"), "utf8")).toBe(readFileSync(join(REPO, "rules/falco_rules.yaml"), "utf8"));
    expect(readFileSync(join(dest, "etc/falco/falco_rules.local.yaml"), "utf8")).not.toMatch(/^- /m);
    expect(statSync(join(dest, "etc/falco/rules.d")).isDirectory()).toBe(true);
    expect(existsSync(join(dest, "var/log/falco_events.log"))).toBe(true);
    const unit = readFileSync(join(dest, "etc/systemd/system/falco-ts.service"), "utf8");
    expect(unit).toMatch(/^ExecStart=\/usr\/bin\/falco-ts -c \/etc\/falco\/falco\.yaml$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^User=root$/m);
    expect(unit).toMatch(/^WantedBy=multi-user\.target$/m);
    // The installed files validate with the installed binary.
    const v = spawnSync(join(dest, "usr/bin/falco-ts"), ["-V", join(dest, "etc/falco/falco_rules.yaml"), "-V", join(dest, "etc/falco/falco_rules.local.yaml")], { encoding: "utf8" });
    expect(v.status).toBe(0);
  }, 600_000);

  it("a second run keeps the user's falco.yaml and local rules", () => {
    writeFileSync(join(dest, "etc/falco/falco.yaml"), "json_output: true\n");
    writeFileSync(join(dest, "etc/falco/falco_rules.local.yaml"), "- list: mine\n  items: [a]\n");
    const r = spawnSync("bash", [join(REPO, "scripts/install.sh")], { env: { ...process.env, DESTDIR: dest }, encoding: "utf8", timeout: 600_000 });
    expect(r.status).toBe(0);
    expect(readFileSync(join(dest, "etc/falco/falco.yaml"), "utf8")).toBe("json_output: true\n");
    expect(existsSync(join(dest, "etc/falco/falco.yaml.new"))).toBe(true);
    expect(readFileSync(join(dest, "etc/falco/falco_rules.local.yaml"), "utf8")).toBe("- list: mine\n  items: [a]\n");
  }, 600_000);
});

interface K8sDoc {
  kind: string;
  data?: Record<string, string>;
  spec?: { template: { spec: Record<string, unknown> & { containers: Record<string, unknown>[]; volumes: Record<string, unknown>[] } } };
}

function manifest(): K8sDoc[] {
  return parseAllDocuments(readFileSync(join(REPO, "deploy/daemonset.yaml"), "utf8")).map((d) => d.toJS() as K8sDoc);
}

describe("deploy/daemonset.yaml", () => {
  it("a DaemonSet with hostPID, privileges, HOST_ROOT=/host, BTF and /etc/falco from the ConfigMap", () => {
    const docs = manifest();
    expect(docs.map((d) => d.kind)).toEqual(["Namespace", "ConfigMap", "DaemonSet"]);
    const pod = docs[2]!.spec!.template.spec;
    expect(pod.hostPID).toBe(true);
    const c = pod.containers[0] as {
      env: { name: string; value?: string }[];
      securityContext: { privileged?: boolean };
      volumeMounts: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
    };
    expect(c.env.find((e) => e.name === "HOST_ROOT")?.value).toBe("/host");
    expect(c.securityContext.privileged).toBe(true);
    const mount = (p: string) => c.volumeMounts.find((m) => m.mountPath === p);
    expect(mount("/host")?.readOnly).toBe(true);
    expect(mount("/sys/kernel/btf")?.readOnly).toBe(true);
    expect(mount("/etc/falco")?.subPath).toBeUndefined();
    const vol = (n: string) => pod.volumes.find((v) => v.name === n) as Record<string, { path?: string; name?: string }>;
    expect(vol(mount("/host")!.name).hostPath?.path).toBe("/");
    expect(vol(mount("/sys/kernel/btf")!.name).hostPath?.path).toBe("/sys/kernel/btf");
    expect(vol(mount("/etc/falco")!.name).configMap?.name).toBe("falco-ts");
    // The ConfigMap carries the same default rules as the binary (deploy/render.sh is up to date).
    expect(docs[1]!.data!["falco_rules.yaml"]).toBe(readFileSync(join(REPO, "rules/falco_rules.yaml"), "utf8"));
  });

  it("the ConfigMap volume layout runs, and a kubelet-style ..data swap reloads the rules", async () => {
    const data = manifest()[1]!.data!;
    const vol = join(WORK, "configmap");
    mkdirSync(vol);
    // The kubelet's AtomicWriter layout, with our paths in place of /etc/falco.
    const writeVersion = (name: string, files: Record<string, string>) => {
      const d = join(vol, name);
      mkdirSync(d);
      for (const [k, v] of Object.entries(files)) writeFileSync(join(d, k), v.replaceAll("/etc/falco/", `${vol}/`));
      symlinkSync(name, join(vol, "..data_tmp"));
      renameSync(join(vol, "..data_tmp"), join(vol, "..data"));
    };
    writeVersion("..2026_01_01_00_00_00.000000001", data);
    for (const k of Object.keys(data)) symlinkSync(`..data/${k}`, join(vol, k));

    agent = await startAgent(["-c", join(vol, "falco.yaml"), "-o", "json_output=true"]);
    const token = `fts-cm-${process.pid}`;
    const local = `- rule: ConfigMap update marker
  desc: a process whose command line carries the test token
  condition: spawned_process and proc.cmdline contains "${token}"
  output: "configmap marker (command=%proc.cmdline)"
  priority: WARNING
`;
    writeVersion("..2026_01_01_00_01_00.000000002", { ...data, "falco_rules.local.yaml": local });
    await agent.waitForLog(/rules reloaded/, 15_000);
    const fire = () => spawnSync("sh", ["-c", `true ${token}`]);
    fire();
    const timer = setInterval(fire, 500);
    try {
      const a = await agent.waitFor((x) => x.rule === "ConfigMap update marker", 15_000);
      expect(String(a.output_fields["proc.cmdline"])).toContain(token);
    } finally {
      clearInterval(timer);
    }
    expect(agent.proc.exitCode).toBeNull();
  }, 60_000);
});
