#!/usr/bin/env bash
# image.sh: build ./falco-ts if needed, then the local Docker image falco-ts:latest, with no
# registry access (nothing is pulled): a minimal root filesystem imported with `docker import`:
#   /usr/bin/falco-ts                      the single binary (probe + libbpf/libelf/zlib embedded)
#   /lib/x86_64-linux-gnu/, /lib64/        the few glibc files it needs (ld.so, libc, libm,
#                                          libpthread, libdl), copied from this build host
#   /bin/busybox + applets                 a shell and tools for `event-generator` actions and
#                                          debugging (FTS_IMAGE_BUSYBOX=0 leaves them out)
#   /etc/falco/                            shipped falco.yaml and rules (a -v /etc/falco mount
#                                          replaces them)
#   ENTRYPOINT ["/usr/bin/falco-ts"], ENV HOST_ROOT=/host
# Prints the image size. Needs Docker: runs scripts/docker-setup.sh first (installs/starts dockerd
# on Debian 12). Run as root. Environment: IMAGE (default falco-ts:latest), FTS_IMAGE_BUSYBOX=0.
#
# Run it as the seed does, with the privileges the probe needs (see README.md, "Deploy"):
#   docker run -d --name falco --privileged --pid=host \
#     -v /sys/kernel/btf:/sys/kernel/btf:ro -v /proc:/host/proc:ro \
#     -v /var/run/docker.sock:/host/var/run/docker.sock \
#     -v /etc/falco:/etc/falco -v /var/log/falco_events.log:/var/log/falco_events.log \
#     falco-ts:latest
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
IMAGE="${IMAGE:-falco-ts:latest}"
say() { echo "image: $*"; }
die() { echo "image: ERROR: $*" >&2; exit 1; }

[[ "$(id -u)" == 0 ]] || die "run as root (starts dockerd if needed)"

bash "$ROOT/scripts/build.sh" >&2
BIN="$ROOT/falco-ts"
[[ -x "$BIN" ]] || die "./falco-ts was not built"

bash "$ROOT/scripts/docker-setup.sh" >&2 || die "Docker is not usable (scripts/docker-setup.sh failed)"
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
if [[ -x /usr/bin/docker ]]; then DOCKER=/usr/bin/docker; else DOCKER="$(command -v docker)"; fi

work="$(mktemp -d "${TMPDIR:-/tmp}/falco-ts-image.XXXXXX")"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
mkdir -p "$rootfs"/{usr/bin,lib/x86_64-linux-gnu,lib64,etc/falco/rules.d,var/log,tmp,proc,sys,dev,host,root,run}
chmod 1777 "$rootfs/tmp"

install -m 0755 "$BIN" "$rootfs/usr/bin/falco-ts"

# glibc pieces: what the binary links against (ldd), plus the loader. The embedded libraries
# need nothing beyond libc and ld.so.
libs=$(ldd "$BIN" | awk '/=>/ { print $3 } !/=>/ && $1 ~ /^\// { print $1 }' | sort -u)
for l in $libs; do
  [[ -e "$l" ]] || continue
  base=$(basename "$l")
  if [[ "$base" == ld-linux-x86-64.so.2 ]]; then
    cp -L "$l" "$rootfs/lib/x86_64-linux-gnu/$base"
    ln -sf "/lib/x86_64-linux-gnu/$base" "$rootfs/lib64/$base"
  else
    cp -L "$l" "$rootfs/lib/x86_64-linux-gnu/$base"
  fi
done
[[ -e "$rootfs/lib64/ld-linux-x86-64.so.2" ]] || die "ld-linux-x86-64.so.2 not found by ldd"

if [[ "${FTS_IMAGE_BUSYBOX:-1}" == 1 ]]; then
  BUSYBOX=/bin/busybox
  [[ -x "$BUSYBOX" ]] || BUSYBOX="$(command -v busybox || true)"
  [[ -n "$BUSYBOX" ]] || die "busybox not found (apt-get install busybox-static, or FTS_IMAGE_BUSYBOX=0)"
  mkdir -p "$rootfs/bin" "$rootfs/sbin" "$rootfs/usr/sbin"
  cp "$BUSYBOX" "$rootfs/bin/busybox"
  while read -r p; do
    [[ -n "$p" && "$p" != bin/busybox && ! -e "$rootfs/$p" ]] || continue
    mkdir -p "$rootfs/$(dirname "$p")"
    ln -s /bin/busybox "$rootfs/$p"
  done < <("$rootfs/bin/busybox" --list-full)
fi

printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$rootfs/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$rootfs/etc/nsswitch.conf"
# A locked root entry: some event-generator actions read or bind-mount over /etc/shadow.
printf 'root:*:19000:0:99999:7:::\n' >"$rootfs/etc/shadow"
chmod 0640 "$rootfs/etc/shadow"

# Default configuration (a -v /etc/falco:/etc/falco mount hides it).
install -m 0644 "$ROOT/falco.yaml" "$rootfs/etc/falco/falco.yaml"
install -m 0644 "$ROOT/rules/falco_rules.yaml" "$rootfs/etc/falco/falco_rules.yaml"
: >"$rootfs/etc/falco/falco_rules.local.yaml"
for f in "$ROOT"/rules/*.yaml; do
  [[ "$(basename "$f")" == falco_rules.yaml ]] || install -m 0644 "$f" "$rootfs/etc/falco/rules.d/$(basename "$f")"
done

commit=$(git -C "$ROOT" rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
old_image="$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE" 2>/dev/null || true)"
tar --numeric-owner -C "$rootfs" -c . | "$DOCKER" import \
  -c 'ENTRYPOINT ["/usr/bin/falco-ts"]' \
  -c 'CMD []' \
  -c 'ENV HOST_ROOT=/host' \
  -c 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  -c 'WORKDIR /' \
  -c "LABEL org.opencontainers.image.title=falco-ts org.opencontainers.image.revision=$commit" \
  -m "falco-ts $commit: single binary + glibc (scripts/image.sh)" \
  - "$IMAGE" >/dev/null || die "docker import failed"
new_image="$("$DOCKER" image inspect -f '{{.Id}}' "$IMAGE")"
if [[ -n "$old_image" && "$old_image" != "$new_image" ]]; then
  "$DOCKER" rmi "$old_image" >/dev/null 2>&1 || true
fi
size=$("$DOCKER" image inspect -f '{{.Size}}' "$IMAGE")
say "built $IMAGE (${new_image#sha256:}): size $size bytes ($((size / 1024 / 1024)) MiB); binary $(stat -c %s "$BIN") bytes"
