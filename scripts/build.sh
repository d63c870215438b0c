#!/usr/bin/env bash
# Build falco-ts: system packages (if missing), npm deps (if out of date), the eBPF probe
# (ffi/build/probe.bpf.o), the C reader (ffi/build/libfts.so) and, when the CLI exists, the single
# binary ./falco-ts. Run as root on Debian 12. Idempotent: does nothing when everything is up to date.
#
# Environment: FTS_SKIP_APT=1 skips the apt step; FTS_SKIP_BIN=1 skips the bun compile step.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf 'build: %s\n' "$*" >&2; }

# --- 1. system packages ---------------------------------------------------------------------
APT_PACKAGES=(clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev make gcc pkg-config)
if [[ "${FTS_SKIP_APT:-0}" != 1 ]]; then
  missing=()
  for p in "${APT_PACKAGES[@]}"; do
    if ! dpkg -s "$p" >/dev/null 2>&1 || ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
      missing+=("$p")
    fi
  done
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${missing[@]}"
  fi
fi

# --- 2. npm dependencies --------------------------------------------------------------------
npm_stamp="node_modules/.package-lock.json"
if [[ ! -d node_modules || ! -e "$npm_stamp" || package.json -nt "$npm_stamp" ||
      ( -e package-lock.json && package-lock.json -nt "$npm_stamp" ) ]]; then
  if [[ -e package-lock.json ]]; then
    log "npm ci"
    npm ci --no-audit --no-fund
  else
    log "npm install"
    npm install --no-audit --no-fund
  fi
fi

# --- 3. eBPF probe and C reader -------------------------------------------------------------
mkdir -p ffi/build

# true if $1 is missing or older than any of the following files
stale() {
  local out="$1"; shift
  [[ -e "$out" ]] || return 0
  local f
  for f in "$@"; do
    [[ "$f" -nt "$out" ]] && return 0
  done
  return 1
}

BPF_SRC=(ffi/probe.bpf.c ffi/probe_more.bpf.h ffi/probe_more.list.h ffi/vmlinux.h)
if [[ ! -e ffi/vmlinux.h ]]; then
  log "generating ffi/vmlinux.h from /sys/kernel/btf/vmlinux"
  bpftool btf dump file /sys/kernel/btf/vmlinux format c > ffi/vmlinux.h.tmp
  mv ffi/vmlinux.h.tmp ffi/vmlinux.h
fi
if stale ffi/build/probe.bpf.o "${BPF_SRC[@]}" scripts/build.sh; then
  log "clang -> ffi/build/probe.bpf.o"
  clang -O2 -g -target bpf -D__TARGET_ARCH_x86 -I ffi -I /usr/include/x86_64-linux-gnu \
    -Wall -Wno-unused-function -Werror \
    -c ffi/probe.bpf.c -o ffi/build/probe.bpf.o.tmp
  # drop DWARF, keep BTF/BTF.ext (needed for CO-RE)
  llvm-strip -g ffi/build/probe.bpf.o.tmp
  mv ffi/build/probe.bpf.o.tmp ffi/build/probe.bpf.o
fi

if stale ffi/build/libfts.so ffi/reader.c ffi/reader.h scripts/build.sh; then
  log "gcc -> ffi/build/libfts.so"
  gcc -O2 -g -Wall -Wextra -Werror -shared -fPIC -Wl,-Bsymbolic -o ffi/build/libfts.so.tmp ffi/reader.c \
    $(pkg-config --cflags libbpf 2>/dev/null || true) -lbpf -lelf -lz
  mv ffi/build/libfts.so.tmp ffi/build/libfts.so
fi

# --- 3b. runtime libraries embedded into the binary ------------------------------------------
# libfts.so needs libbpf.so.1 -> libelf.so.1 -> libz.so.1 (Debian: libbpf1, libelf1, zlib1g).
# Debian ships no PIC static archives of them, so the binary carries the shared objects
# (src/probe/embedded.ts) and loads them from memfds before libfts.so (src/probe/ffi.ts). They are
# copied into ffi/build/sys/ under their SONAME; only glibc is then needed on the target host.
find_lib() {
  local soname="$1" pkg="$2" p=""
  p=$(ldconfig -p 2>/dev/null | awk -v n="$soname" '$1 == n && /x86-64/ { print $NF; exit }')
  if [[ -z "$p" ]]; then
    p=$(dpkg -L "$pkg:amd64" "$pkg" 2>/dev/null | grep -E "/${soname}(\.[0-9.]+)?$" | head -n1 || true)
  fi
  [[ -n "$p" && -e "$p" ]] || { log "ERROR: $soname not found (ldconfig -p, dpkg -L $pkg): apt-get install $pkg"; exit 1; }
  readlink -f "$p"
}
mkdir -p ffi/build/sys
for spec in libz.so.1:zlib1g libelf.so.1:libelf1 libbpf.so.1:libbpf1; do
  soname="${spec%%:*}"; pkg="${spec#*:}"
  src=$(find_lib "$soname" "$pkg")
  if ! cmp -s "$src" "ffi/build/sys/$soname"; then
    log "embed $src -> ffi/build/sys/$soname"
    install -m 0644 "$src" "ffi/build/sys/$soname.tmp"
    mv "ffi/build/sys/$soname.tmp" "ffi/build/sys/$soname"
  fi
done

# --- 4. single binary (bun build --compile) -------------------------------------------------
# Kept last and separate: the lead may adjust it. Rebuilds only when a file under src/, ffi/ or
# rules/ is newer than ./falco-ts.
if [[ "${FTS_SKIP_BIN:-0}" != 1 && -e src/cli/main.ts ]]; then
  if [[ ! -e falco-ts ]] || [[ -n "$(find src ffi rules package.json -type f -newer falco-ts -print -quit 2>/dev/null)" ]]; then
    log "bun build --compile -> ./falco-ts"
    commit=$(git rev-parse --short=12 HEAD 2>/dev/null || echo unknown)
    libs=$(dpkg-query -W -f='${Package} ${Version}, ' libbpf1 libelf1 zlib1g 2>/dev/null | sed 's/, $//' || true)
    node_modules/.bin/bun build --compile --define "BUILD_COMMIT=\"$commit\"" \
      --define "EMBEDDED_LIBS=\"${libs:-unknown}\"" src/cli/main.ts --outfile falco-ts.tmp
    mv falco-ts.tmp falco-ts
  fi
fi
log "up to date"
