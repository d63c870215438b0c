#!/usr/bin/env bash
# docker-setup.sh: make real Docker usable on a Debian 12 test/CI machine with no registry access,
# so the seed walkthrough works as written:
#     docker run -d -P --name example1 nginx
#     docker exec -it example1 bash
#
# Idempotent; run as root. Steps (each only when needed, each reported on stdout):
#   1. apt-get install docker.io busybox-static (apt-get update once if the install needs it);
#   2. install /usr/local/libexec/falco-ts/runc-nosysresource, a runc wrapper that removes
#      CAP_SYS_RESOURCE from the OCI spec (config.json / exec process.json) before calling runc,
#      and register it as dockerd's default runtime in /etc/docker/daemon.json. This machine's
#      capability bounding set lacks CAP_SYS_RESOURCE, so `docker run --privileged` otherwise fails
#      with "unable to apply caps"; inspect still reports HostConfig.Privileged=true;
#   3. start dockerd in the background (log: /var/log/dockerd-falco-ts.log) unless its socket answers,
#      then wait for the socket;
#   4. build the local image nginx:latest with no pull: a busybox-static rootfs with applet symlinks,
#      /usr/sbin/nginx (a tiny static C program that runs until signalled), /bin/bash (execs sh),
#      imported with `docker import -c 'CMD ["nginx"]' -c 'EXPOSE 80/tcp'`.
#
# Environment: DOCKER_SOCKET (default /var/run/docker.sock), DOCKER_SETUP_REBUILD_IMAGE=1 forces a
# rebuild of the image. Exit status: 0 when Docker answers and the image exists; non-zero with a
# message on stderr ("docker-setup: ERROR: ...") otherwise.
set -euo pipefail

SOCK="${DOCKER_SOCKET:-/var/run/docker.sock}"
LOG=/var/log/dockerd-falco-ts.log
WRAPPER_DIR=/usr/local/libexec/falco-ts
WRAPPER="$WRAPPER_DIR/runc-nosysresource"
RUNTIME_NAME=runc-nosysresource
IMAGE=nginx:latest
# A newer CLI (e.g. /usr/local/bin/docker) may be first on PATH; Debian 12's daemon speaks API 1.41.
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
export DOCKER_HOST="unix://$SOCK"

say() { echo "docker-setup: $*"; }
die() { echo "docker-setup: ERROR: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || die "must run as root (installs packages and starts dockerd)"

# ---- 1. packages ---------------------------------------------------------------------------------
need=()
dpkg-query -W -f='${Status}' docker.io 2>/dev/null | grep -q "install ok installed" || need+=(docker.io)
dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q "install ok installed" || need+=(busybox-static)
if [ "${#need[@]}" -gt 0 ]; then
  say "installing ${need[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y -q --no-install-recommends "${need[@]}" >/tmp/docker-setup-apt.log 2>&1; then
    say "apt-get install failed; running apt-get update once and retrying"
    apt-get update -q >>/tmp/docker-setup-apt.log 2>&1 || die "apt-get update failed (see /tmp/docker-setup-apt.log)"
    apt-get install -y -q --no-install-recommends "${need[@]}" >>/tmp/docker-setup-apt.log 2>&1 \
      || die "apt-get install ${need[*]} failed (see /tmp/docker-setup-apt.log)"
  fi
else
  say "packages docker.io and busybox-static already installed"
fi
DOCKERD="$(command -v dockerd || true)"
[ -n "$DOCKERD" ] || DOCKERD=/usr/sbin/dockerd
[ -x "$DOCKERD" ] || die "dockerd not found after installing docker.io"
# Prefer Debian's CLI (matches the daemon); fall back to whatever is on PATH.
if [ -x /usr/bin/docker ]; then DOCKER=/usr/bin/docker; else DOCKER="$(command -v docker || true)"; fi
[ -n "$DOCKER" ] || die "docker CLI not found after installing docker.io"
RUNC="$(command -v runc || true)"
[ -n "$RUNC" ] || [ ! -x /usr/sbin/runc ] || RUNC=/usr/sbin/runc
[ -n "$RUNC" ] || die "runc not found (docker.io should depend on it)"
BUSYBOX=/bin/busybox
[ -x "$BUSYBOX" ] || BUSYBOX="$(command -v busybox || true)"
[ -n "$BUSYBOX" ] || die "busybox not found after installing busybox-static"

# ---- 2. runc wrapper + daemon.json ---------------------------------------------------------------
mkdir -p "$WRAPPER_DIR"
wrapper_text="#!/bin/sh
# falco-ts (scripts/docker-setup.sh): runc without CAP_SYS_RESOURCE, which this machine's capability
# bounding set lacks. Rewrites the OCI bundle's config.json (create/run) or the exec process file,
# then execs the real runc with the same arguments.
REAL_RUNC='$RUNC'
# Only when the capability bounding set really lacks CAP_SYS_RESOURCE (bit 24).
bnd=\$(sed -n 's/^CapBnd:[[:space:]]*//p' /proc/self/status 2>/dev/null)
need_strip=1
[ -n \"\$bnd\" ] && [ \$(( (0x\$bnd >> 24) & 1 )) -eq 1 ] && need_strip=0
strip() {
  [ \"\$need_strip\" = 1 ] && [ -f \"\$1\" ] || return 0
  sed -i -e 's/\"CAP_SYS_RESOURCE\",//g' -e 's/,\"CAP_SYS_RESOURCE\"//g' -e 's/\\[\"CAP_SYS_RESOURCE\"\\]/[]/g' \"\$1\"
}
prev=''
for a in \"\$@\"; do
  case \"\$prev\" in
    --bundle|-b) strip \"\$a/config.json\" ;;
    --process|-p) strip \"\$a\" ;;
  esac
  case \"\$a\" in
    --bundle=*) strip \"\${a#--bundle=}/config.json\" ;;
    --process=*) strip \"\${a#--process=}\" ;;
  esac
  prev=\"\$a\"
done
exec \"\$REAL_RUNC\" \"\$@\"
"
if [ ! -f "$WRAPPER" ] || [ "$(cat "$WRAPPER")" != "$(printf '%s' "$wrapper_text")" ]; then
  printf '%s' "$wrapper_text" >"$WRAPPER"
  chmod 755 "$WRAPPER"
  say "installed runc wrapper $WRAPPER (drops CAP_SYS_RESOURCE)"
else
  say "runc wrapper $WRAPPER already installed"
fi

mkdir -p /etc/docker
DAEMON_JSON=/etc/docker/daemon.json
daemon_changed=0
if [ -f "$DAEMON_JSON" ] && grep -q "\"$RUNTIME_NAME\"" "$DAEMON_JSON" && grep -q '"default-runtime"' "$DAEMON_JSON"; then
  say "$DAEMON_JSON already registers $RUNTIME_NAME as default runtime"
else
  if [ -s "$DAEMON_JSON" ] && [ "$(tr -d ' \n\t' <"$DAEMON_JSON")" != "{}" ]; then
    if command -v jq >/dev/null 2>&1; then
      tmp="$(mktemp)"
      jq --arg n "$RUNTIME_NAME" --arg p "$WRAPPER" '.runtimes[$n] = {path: $p} | .["default-runtime"] = $n' \
        "$DAEMON_JSON" >"$tmp" || die "cannot merge runtime into existing $DAEMON_JSON"
      cat "$tmp" >"$DAEMON_JSON"; rm -f "$tmp"
    else
      die "$DAEMON_JSON exists with other settings and jq is missing to merge ours; add runtimes.$RUNTIME_NAME.path=$WRAPPER and default-runtime=$RUNTIME_NAME"
    fi
  else
    cat >"$DAEMON_JSON" <<EOF
{
  "runtimes": { "$RUNTIME_NAME": { "path": "$WRAPPER" } },
  "default-runtime": "$RUNTIME_NAME"
}
EOF
  fi
  daemon_changed=1
  say "registered $RUNTIME_NAME as default runtime in $DAEMON_JSON"
fi

# ---- 3. dockerd ----------------------------------------------------------------------------------
sock_ok() { [ -S "$SOCK" ] && "$DOCKER" version --format '{{.Server.Version}}' >/dev/null 2>&1; }

if sock_ok; then
  if [ "$daemon_changed" = 1 ]; then
    # dockerd reloads "runtimes" and "default-runtime" on SIGHUP.
    pid="$(cat /var/run/docker.pid 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -HUP "$pid" && say "sent SIGHUP to dockerd ($pid) to reload $DAEMON_JSON"
      sleep 1
    else
      say "WARNING: dockerd answers but its pid is unknown; restart it to use $RUNTIME_NAME"
    fi
  fi
  say "dockerd already running (socket $SOCK answers)"
else
  say "starting dockerd in the background (log: $LOG)"
  # A stale pid file from a dead daemon stops dockerd from starting.
  if [ -f /var/run/docker.pid ] && ! kill -0 "$(cat /var/run/docker.pid 2>/dev/null)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  log_start=$(( $(stat -c %s "$LOG" 2>/dev/null || echo 0) + 1 ))
  # setsid + nohup: the daemon must outlive this script and the test runner that called it.
  setsid nohup "$DOCKERD" -H "unix://$SOCK" >>"$LOG" 2>&1 </dev/null &
  dpid=$!
  for _ in $(seq 1 300); do
    sock_ok && break
    if ! kill -0 "$dpid" 2>/dev/null; then
      echo "---- dockerd output ($LOG) ----" >&2; tail -c +"$log_start" "$LOG" | tail -n 20 >&2 || true
      die "dockerd exited during start-up (see $LOG)"
    fi
    sleep 0.1
  done
  sock_ok || { tail -c +"$log_start" "$LOG" | tail -n 20 >&2 || true; die "dockerd socket $SOCK did not answer within 30 s (see $LOG)"; }
  say "dockerd started (pid $dpid), socket $SOCK answers"
fi
default_rt="$("$DOCKER" info --format '{{.DefaultRuntime}}' 2>/dev/null || true)"
[ "$default_rt" = "$RUNTIME_NAME" ] || say "WARNING: default runtime is '$default_rt', not $RUNTIME_NAME: --privileged may fail"

# ---- 4. image nginx:latest -----------------------------------------------------------------------
if [ "${DOCKER_SETUP_REBUILD_IMAGE:-0}" != 1 ] && "$DOCKER" image inspect "$IMAGE" >/dev/null 2>&1; then
  say "image $IMAGE already present"
else
  old_image="$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
  # A static C compiler: gcc (or clang) with glibc's static libc.a from libc6-dev.
  CC="$(command -v gcc || command -v clang || true)"
  if [ -z "$CC" ] || [ ! -f "$("$CC" -print-file-name=libc.a)" ]; then
    say "installing gcc libc6-dev (apt) to build /usr/sbin/nginx"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc libc6-dev >>/tmp/docker-setup-apt.log 2>&1 \
      || { apt-get update -q >>/tmp/docker-setup-apt.log 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends gcc libc6-dev >>/tmp/docker-setup-apt.log 2>&1; } \
      || die "cannot install gcc/libc6-dev to build /usr/sbin/nginx (see /tmp/docker-setup-apt.log)"
    CC="$(command -v gcc)"
  fi
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  root="$work/rootfs"
  mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,tmp,proc,sys,dev,root,var/log/nginx,run}
  chmod 1777 "$root/tmp"
  cp "$BUSYBOX" "$root/bin/busybox"
  # Applet symlinks: `busybox --list-full` gives paths such as bin/sh, usr/bin/env.
  n=0
  while read -r p; do
    [ -n "$p" ] || continue
    [ "$p" = bin/busybox ] && continue
    [ -e "$root/$p" ] && continue
    mkdir -p "$root/$(dirname "$p")"
    ln -s /bin/busybox "$root/$p"
    n=$((n + 1))
  done < <("$root/bin/busybox" --list-full)
  # bash: busybox has no bash applet; `docker exec -it example1 bash` gets sh.
  printf '#!/bin/sh\nexec /bin/sh "$@"\n' >"$root/bin/bash"
  chmod 755 "$root/bin/bash"
  cat >"$work/nginx.c" <<'EOF'
/* Stand-in for nginx in falco-ts's test image: a long-running process named "nginx" that exits
 * cleanly on SIGTERM/SIGINT/SIGQUIT (as PID 1 in a container it must handle them itself). */
#include <signal.h>
#include <unistd.h>
static void on_signal(int sig) { (void)sig; _exit(0); }
int main(void) {
  signal(SIGTERM, on_signal);
  signal(SIGINT, on_signal);
  signal(SIGQUIT, on_signal);
  for (;;) pause();
}
EOF
  "$CC" -static -O2 -o "$root/usr/sbin/nginx" "$work/nginx.c" || die "$CC -static failed building /usr/sbin/nginx (libc6-dev installed?)"
  printf 'root:x:0:0:root:/root:/bin/sh\nnginx:x:101:101:nginx:/nonexistent:/bin/false\n' >"$root/etc/passwd"
  printf 'root:x:0:\nnginx:x:101:\n' >"$root/etc/group"
  tar -C "$root" -c . | "$DOCKER" import \
      -c 'CMD ["nginx"]' -c 'EXPOSE 80/tcp' \
      -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      -m "falco-ts test image (busybox + fake nginx), built by scripts/docker-setup.sh" \
      - "$IMAGE" >/dev/null || die "docker import of $IMAGE failed"
  if [ -n "$old_image" ] && [ "$old_image" != "$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null)" ]; then
    "$DOCKER" rmi "$old_image" >/dev/null 2>&1 && say "removed the previous $IMAGE image ${old_image#sha256:}" || true
  fi
  say "built image $IMAGE (busybox with $n applets, /usr/sbin/nginx, /bin/bash -> sh)"
fi
say "ready: DOCKER_HOST=$DOCKER_HOST DOCKER_API_VERSION=$DOCKER_API_VERSION"
