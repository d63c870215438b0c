#!/usr/bin/env bash
# cri-setup.sh: a PRIVATE containerd with the CRI plugin, for falco-ts's CRI tests, on a Debian 12
# test/CI machine with no registry access. It never touches the system's containerd or dockerd:
# own config, own root (/var/lib/falco-ts-cri), own state (/run/falco-ts-cri), own sockets.
#
# Idempotent; run as root. Steps (each only when needed, each reported on stdout):
#   1. apt-get install containerd (Debian's 1.6.x; runc comes with it);
#   2. scripts/docker-setup.sh (Docker + the local image nginx:latest + the runc wrapper
#      /usr/local/libexec/falco-ts/runc-nosysresource; this machine's capability bounding set lacks
#      CAP_SYS_RESOURCE, so privileged containers need the wrapper, see docker-setup.sh);
#   3. write /run/falco-ts-cri/config.toml: CRI enabled, runc runtime with BinaryName = the wrapper,
#      runc root /run/falco-ts-cri/runc, snapshotter overlayfs (native when overlayfs is not
#      usable), sandbox_image = falco-ts.local/pause:3.9 (a local image), no AppArmor/SELinux;
#      pods are meant to use host networking (NamespaceOption network=NODE), so no CNI is needed;
#   4. start containerd in the background (log: /var/log/containerd-falco-ts-cri.log) unless its
#      socket answers, then wait for the socket;
#   5. import nginx:latest (`docker save` | `ctr -n k8s.io images import`) as
#      docker.io/library/nginx:latest, and tag it falco-ts.local/pause:3.9 (its CMD, a process that
#      runs until signalled, serves as the pod's pause process).
# Prints the socket path as its last line: "cri-setup: socket /run/falco-ts-cri/containerd.sock".
#
# Stop it with: scripts/cri-setup.sh --stop (stops the daemon by its pid file; removing the pods
# first, through CRI StopPodSandbox/RemovePodSandbox, is the caller's job).
#
# Environment: CRI_SETUP_SNAPSHOTTER=overlayfs|native forces the snapshotter.
# Exit status: 0 when the socket answers and the images are imported; non-zero with a message on
# stderr ("cri-setup: ERROR: ...") otherwise.
set -euo pipefail

STATE=/run/falco-ts-cri
ROOT=/var/lib/falco-ts-cri
SOCK="$STATE/containerd.sock"
CONFIG="$STATE/config.toml"
PIDFILE="$STATE/containerd.pid"
LOG=/var/log/containerd-falco-ts-cri.log
WRAPPER=/usr/local/libexec/falco-ts/runc-nosysresource
IMAGE=nginx:latest
CRI_IMAGE=docker.io/library/nginx:latest
PAUSE_IMAGE=falco-ts.local/pause:3.9
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

say() { echo "cri-setup: $*"; }
die() { echo "cri-setup: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages and starts containerd)"

if [ "${1:-}" = "--stop" ]; then
  pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
    say "stopped private containerd (pid $pid)"
  else
    say "private containerd not running"
  fi
  rm -f "$PIDFILE"
  exit 0
fi

# ---- 1. packages ---------------------------------------------------------------------------------
if ! dpkg-query -W -f='${Status}' containerd 2>/dev/null | grep -q "install ok installed"; then
  say "installing containerd (apt)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends containerd >/tmp/cri-setup-apt.log 2>&1; then
    apt-get update -q >>/tmp/cri-setup-apt.log 2>&1 || die "apt-get update failed (see /tmp/cri-setup-apt.log)"
    apt-get install -y -q --no-install-recommends containerd >>/tmp/cri-setup-apt.log 2>&1 \
      || die "apt-get install containerd failed (see /tmp/cri-setup-apt.log)"
  fi
else
  say "package containerd already installed"
fi
CONTAINERD="$(command -v containerd || echo /usr/bin/containerd)"
CTR="$(command -v ctr || echo /usr/bin/ctr)"
[ -x "$CONTAINERD" ] || die "containerd not found after installing it"
[ -x "$CTR" ] || die "ctr not found after installing containerd"

# ---- 2. Docker, the local image, the runc wrapper --------------------------------------------------
bash "$HERE/docker-setup.sh" | sed 's/^/cri-setup: /' || die "scripts/docker-setup.sh failed"
[ -x "$WRAPPER" ] || die "runc wrapper $WRAPPER missing after docker-setup.sh"
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER="$(command -v docker)"; fi
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"

# ---- 3. config -----------------------------------------------------------------------------------
mkdir -p "$STATE" "$ROOT"
snap="${CRI_SETUP_SNAPSHOTTER:-}"
if [ -z "$snap" ]; then
  # overlayfs works when the kernel has it and the root is not itself on overlayfs.
  if grep -qw overlay /proc/filesystems && [ "$(stat -fc %T "$ROOT")" != overlayfs ]; then snap=overlayfs; else snap=native; fi
fi
config_text="# falco-ts private containerd (scripts/cri-setup.sh). Not the system's containerd.
version = 2
root = \"$ROOT\"
state = \"$STATE/state\"
disabled_plugins = [\"io.containerd.snapshotter.v1.aufs\", \"io.containerd.snapshotter.v1.btrfs\", \"io.containerd.snapshotter.v1.zfs\", \"io.containerd.snapshotter.v1.devmapper\", \"io.containerd.tracing.processor.v1.otlp\", \"io.containerd.internal.v1.tracing\"]

[grpc]
  address = \"$SOCK\"

[ttrpc]
  address = \"$STATE/containerd.sock.ttrpc\"

[debug]
  address = \"\"

[metrics]
  address = \"\"

[plugins]
  [plugins.\"io.containerd.internal.v1.opt\"]
    path = \"$ROOT/opt\"
  [plugins.\"io.containerd.grpc.v1.cri\"]
    sandbox_image = \"$PAUSE_IMAGE\"
    disable_apparmor = true
    enable_selinux = false
    restrict_oom_score_adj = true
    [plugins.\"io.containerd.grpc.v1.cri\".cni]
      bin_dir = \"$ROOT/cni/bin\"
      conf_dir = \"$ROOT/cni/net.d\"
    [plugins.\"io.containerd.grpc.v1.cri\".containerd]
      snapshotter = \"$snap\"
      default_runtime_name = \"runc\"
      [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc]
        runtime_type = \"io.containerd.runc.v2\"
        [plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc.options]
          BinaryName = \"$WRAPPER\"
          Root = \"$STATE/runc\"
          SystemdCgroup = false
"
if [ ! -f "$CONFIG" ] || [ "$(cat "$CONFIG")" != "$(printf '%s' "$config_text")" ]; then
  printf '%s' "$config_text" >"$CONFIG"
  config_changed=1
  say "wrote $CONFIG (snapshotter $snap)"
else
  config_changed=0
  say "$CONFIG up to date (snapshotter $snap)"
fi
mkdir -p "$ROOT/cni/bin" "$ROOT/cni/net.d"

# ---- 4. containerd -------------------------------------------------------------------------------
sock_ok() { [ -S "$SOCK" ] && "$CTR" -a "$SOCK" version >/dev/null 2>&1; }
pid="$(cat "$PIDFILE" 2>/dev/null || true)"
if sock_ok && [ "$config_changed" = 1 ] && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
  say "config changed: restarting private containerd (pid $pid)"
  kill "$pid"
  for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
fi
if sock_ok; then
  say "private containerd already running (socket $SOCK answers)"
else
  rm -f "$SOCK"
  log_start=$(( $(stat -c %s "$LOG" 2>/dev/null || echo 0) + 1 ))
  say "starting private containerd in the background (log: $LOG)"
  # setsid + nohup: the daemon outlives this script and the test runner that called it.
  setsid nohup "$CONTAINERD" --config "$CONFIG" >>"$LOG" 2>&1 </dev/null &
  cpid=$!
  echo "$cpid" >"$PIDFILE"
  for _ in $(seq 1 300); do
    sock_ok && break
    if ! kill -0 "$cpid" 2>/dev/null; then
      echo "---- containerd output ($LOG) ----" >&2; tail -c +"$log_start" "$LOG" | tail -n 20 >&2 || true
      die "containerd exited during start-up (see $LOG)"
    fi
    sleep 0.1
  done
  sock_ok || { tail -c +"$log_start" "$LOG" | tail -n 20 >&2 || true; die "containerd socket $SOCK did not answer within 30 s (see $LOG)"; }
  say "private containerd started (pid $cpid), socket $SOCK answers"
fi

# ---- 5. images -----------------------------------------------------------------------------------
ctr_k8s() { "$CTR" -a "$SOCK" -n k8s.io "$@"; }
docker_id="$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)" || die "docker image $IMAGE missing"
have_id="$(ctr_k8s images ls -q name=="$CRI_IMAGE" 2>/dev/null || true)"
marker="$ROOT/imported-image-id"
if [ -n "$have_id" ] && [ "$(cat "$marker" 2>/dev/null || true)" = "$docker_id" ]; then
  say "image $CRI_IMAGE already imported"
else
  "$DOCKER" save "$IMAGE" | ctr_k8s images import --snapshotter "$snap" - >/dev/null \
    || die "ctr images import of $IMAGE failed"
  echo "$docker_id" >"$marker"
  say "imported $IMAGE into the k8s.io namespace as $CRI_IMAGE"
fi
if [ -z "$(ctr_k8s images ls -q name=="$PAUSE_IMAGE" 2>/dev/null || true)" ] || [ "$config_changed" = 1 ]; then
  ctr_k8s images rm "$PAUSE_IMAGE" >/dev/null 2>&1 || true
  ctr_k8s images tag "$CRI_IMAGE" "$PAUSE_IMAGE" >/dev/null || die "ctr images tag $PAUSE_IMAGE failed"
  say "tagged $PAUSE_IMAGE (sandbox image)"
fi
ctr_k8s images ls -q | grep -qx "$CRI_IMAGE" || die "image $CRI_IMAGE not listed after import"
say "socket $SOCK"
