#!/usr/bin/env bash
# Build falco-ts if needed, then run the main job in the foreground with the shipped config and
# the bundled rules (rules/), plus any extra ARGS. Run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >&2
touch /var/log/falco_events.log 2>/dev/null || true
exec ./falco-ts -c falco.yaml -r rules/ "$@"
