#!/usr/bin/env bash
# install.sh: install falco-ts on this host as a systemd service, laid out as Falco is:
#   /usr/bin/falco-ts                         the single binary (probe, libbpf/libelf/zlib embedded;
#                                             needs only glibc >= 2.33, Linux >= 5.8 with BTF)
#   /etc/falco/falco.yaml                     configuration (kept if it exists; new one -> falco.yaml.new)
#   /etc/falco/falco_rules.yaml               the bundled default rules (replaced; old copy -> .bak)
#   /etc/falco/falco_rules.local.yaml         your rules and overrides (created empty, never replaced)
#   /etc/falco/rules.d/                       more rule files (seed_examples.yaml installed here)
#   /var/log/falco_events.log                 alerts (file_output of the shipped falco.yaml)
#   /etc/systemd/system/falco-ts.service      the unit (root, Restart=on-failure)
#
# Usage: bash scripts/install.sh            (as root; builds ./falco-ts first if it is missing)
# Environment:
#   DESTDIR=/path      install under /path instead of / (packaging, tests); no systemctl calls
#   FTS_NO_START=1     install and enable nothing: only copy files
#   FTS_BIN=/path      install this binary instead of ./falco-ts
# The agent reloads rules and config on change (watch_config_files) or on SIGHUP
# (systemctl reload falco-ts); rule edits never need a restart.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="${DESTDIR:-}"
DEST="${DEST%/}"
say() { echo "install: $*"; }
die() { echo "install: ERROR: $*" >&2; exit 1; }

if [[ -z "$DEST" && "$(id -u)" != 0 ]]; then
  die "run as root (writes /usr/bin, /etc/falco, /etc/systemd/system), or set DESTDIR"
fi

BIN="${FTS_BIN:-$ROOT/falco-ts}"
if [[ -z "${FTS_BIN:-}" && ! -x "$BIN" ]]; then
  say "building ./falco-ts (scripts/build.sh)"
  bash "$ROOT/scripts/build.sh" >&2
fi
[[ -x "$BIN" ]] || die "$BIN not found or not executable"

# 1. binary (atomic replace: a running agent keeps its old inode)
install -d -m 0755 "$DEST/usr/bin"
install -m 0755 "$BIN" "$DEST/usr/bin/.falco-ts.new"
mv -f "$DEST/usr/bin/.falco-ts.new" "$DEST/usr/bin/falco-ts"
say "binary -> $DEST/usr/bin/falco-ts ($(stat -c %s "$DEST/usr/bin/falco-ts") bytes)"

# 2. configuration and rules
ETC="$DEST/etc/falco"
install -d -m 0755 "$ETC" "$ETC/rules.d"
if [[ -e "$ETC/falco.yaml" ]]; then
  if ! cmp -s "$ROOT/falco.yaml" "$ETC/falco.yaml"; then
    install -m 0644 "$ROOT/falco.yaml" "$ETC/falco.yaml.new"
    say "kept your $ETC/falco.yaml; the shipped one is $ETC/falco.yaml.new"
  fi
else
  install -m 0644 "$ROOT/falco.yaml" "$ETC/falco.yaml"
  say "config -> $ETC/falco.yaml"
fi
if [[ -e "$ETC/falco_rules.yaml" ]] && ! cmp -s "$ROOT/rules/falco_rules.yaml" "$ETC/falco_rules.yaml"; then
  cp -p "$ETC/falco_rules.yaml" "$ETC/falco_rules.yaml.bak"
  say "previous $ETC/falco_rules.yaml saved as falco_rules.yaml.bak (put your changes in falco_rules.local.yaml)"
fi
install -m 0644 "$ROOT/rules/falco_rules.yaml" "$ETC/falco_rules.yaml"
if [[ ! -e "$ETC/falco_rules.local.yaml" ]]; then
  printf '%s\n' "# Your rules, macros, lists and overrides. Loaded after falco_rules.yaml; never replaced" \
    "# by install.sh. Edits are picked up while falco-ts runs (no restart)." >"$ETC/falco_rules.local.yaml"
  chmod 0644 "$ETC/falco_rules.local.yaml"
fi
for f in "$ROOT"/rules/*.yaml; do
  [[ "$(basename "$f")" == falco_rules.yaml ]] && continue
  install -m 0644 "$f" "$ETC/rules.d/$(basename "$f")"
done
say "rules -> $ETC/falco_rules.yaml, $ETC/falco_rules.local.yaml, $ETC/rules.d/"

# 3. alert log
install -d -m 0755 "$DEST/var/log"
[[ -e "$DEST/var/log/falco_events.log" ]] || install -m 0640 /dev/null "$DEST/var/log/falco_events.log"

# 4. systemd unit
UNIT_DIR="$DEST/etc/systemd/system"
install -d -m 0755 "$UNIT_DIR"
cat >"$UNIT_DIR/falco-ts.service" <<'EOF'
[Unit]
Description=falco-ts runtime threat detection (eBPF probe + Falco rules)
Documentation=https://falco.org/docs/
After=network-online.target local-fs.target
Wants=network-online.target

[Service]
Type=simple
# The eBPF probe needs root, or CAP_BPF + CAP_PERFMON (+ CAP_SYS_RESOURCE on kernels < 5.11);
# reading /proc/<pid>/{exe,cwd,fd,root} of every process and the container runtime socket needs
# root as well. `falco-ts --support` reports what is missing.
User=root
ExecStart=/usr/bin/falco-ts -c /etc/falco/falco.yaml
ExecReload=/bin/kill -HUP $MAINPID
Restart=on-failure
RestartSec=10s
TimeoutStopSec=30s
KillSignal=SIGTERM
LimitMEMLOCK=infinity
LimitNOFILE=65536
# Alerts also go to the journal through stdout when stdout_output is enabled.
StandardOutput=journal
StandardError=journal

[Install]
WantedBy=multi-user.target
EOF
say "unit -> $UNIT_DIR/falco-ts.service"

# 5. enable and start (only on a live systemd host)
if [[ -z "$DEST" && "${FTS_NO_START:-0}" != 1 && -d /run/systemd/system ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl daemon-reload
  systemctl enable falco-ts.service
  systemctl restart falco-ts.service
  say "falco-ts.service enabled and (re)started: journalctl -u falco-ts -f; tail -f /var/log/falco_events.log"
else
  say "not starting a service (no systemd, DESTDIR or FTS_NO_START set): run 'systemctl daemon-reload && systemctl enable --now falco-ts' on the target"
fi
"$DEST/usr/bin/falco-ts" --version | head -n 4 | sed 's/^/install: /' || true
