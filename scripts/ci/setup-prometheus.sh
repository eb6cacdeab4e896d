#!/usr/bin/env bash
# Starts Prometheus (Debian's prometheus 2.42, installed without recommends: ~19 MB download, ~100 MB on
# disk) on 127.0.0.1:19090, scraping every second the SLO test exporter that the integration test serves on
# 127.0.0.1:19095 (/metrics with good/bad request counters the test controls). Idempotent: installs only
# when missing, reloads a running instance when the config changed, and waits (bounded) until it is ready.
#
#   scripts/ci/setup-prometheus.sh
#
# Environment:
#   PROMETHEUS_DIR       config, data and log directory; default /tmp/deckhand-prometheus
#   PROMETHEUS_LISTEN    listen address;                  default 127.0.0.1:19090
#   PROMETHEUS_TARGET    the exporter to scrape;          default 127.0.0.1:19095
set -euo pipefail

dir="${PROMETHEUS_DIR:-/tmp/deckhand-prometheus}"
listen="${PROMETHEUS_LISTEN:-127.0.0.1:19090}"
target="${PROMETHEUS_TARGET:-127.0.0.1:19095}"

if ! command -v prometheus >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the package scripts from starting the stock service (its own config) on :9090.
  policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1; fi
  # Without recommends: the node exporter and its IPMI/SNMP helpers are not needed here.
  apt-get install -y --no-install-recommends prometheus >/dev/null \
    || { apt-get update >/dev/null && apt-get install -y --no-install-recommends prometheus >/dev/null; }
  if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
fi

mkdir -p "$dir/data"
new_config="$(cat <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: deckhand-slo-test
    scrape_interval: 1s
    scrape_timeout: 900ms
    static_configs:
      - targets: ['$target']
YAML
)"
changed=1
if [ -f "$dir/prometheus.yml" ] && [ "$(cat "$dir/prometheus.yml")" = "$new_config" ]; then changed=0; fi
printf '%s\n' "$new_config" > "$dir/prometheus.yml"

ready() { curl -fs -o /dev/null --max-time 2 "http://$listen/-/ready"; }

if ready; then
  if [ "$changed" = 1 ]; then curl -fsS -o /dev/null --max-time 5 -X POST "http://$listen/-/reload"; fi
else
  nohup prometheus \
    --config.file="$dir/prometheus.yml" \
    --storage.tsdb.path="$dir/data" \
    --storage.tsdb.retention.time=1d \
    --web.listen-address="$listen" \
    --web.enable-lifecycle \
    >"$dir/prometheus.log" 2>&1 &
  echo $! > "$dir/prometheus.pid"
fi

for _ in $(seq 1 60); do
  if ready; then echo "prometheus ready on $listen, scraping $target every 1s"; exit 0; fi
  sleep 0.5
done
echo "prometheus did not become ready within 30 s; log: $dir/prometheus.log" >&2
tail -n 20 "$dir/prometheus.log" >&2 || true
exit 1
