#!/usr/bin/env bash
# Starts Prometheus Alertmanager (Debian's prometheus-alertmanager) on 127.0.0.1:9093 with one webhook
# receiver pointing at Deckhand. Idempotent: installs only when missing, reloads a running instance when the
# config changed, and waits (bounded) until it is ready.
#
#   scripts/ci/setup-alertmanager.sh [webhook-url]
#
# Environment:
#   ALERTMANAGER_WEBHOOK_URL    receiver URL (the argument wins); default http://127.0.0.1:19094/webhooks/alertmanager
#   ALERTMANAGER_WEBHOOK_TOKEN  bearer token Alertmanager sends;  default deckhand-ci-alertmanager-token
#   ALERTMANAGER_DIR            config, data and log directory;    default /tmp/deckhand-alertmanager
#   ALERTMANAGER_LISTEN         listen address;                     default 127.0.0.1:9093
set -euo pipefail

url="${1:-${ALERTMANAGER_WEBHOOK_URL:-http://127.0.0.1:19094/webhooks/alertmanager}}"
token="${ALERTMANAGER_WEBHOOK_TOKEN:-deckhand-ci-alertmanager-token}"
dir="${ALERTMANAGER_DIR:-/tmp/deckhand-alertmanager}"
listen="${ALERTMANAGER_LISTEN:-127.0.0.1:9093}"

case "$url" in http://*|https://*) ;; *) echo "webhook URL must be http(s): $url" >&2; exit 2 ;; esac
case "$token" in *[!A-Za-z0-9._~+/=-]*|'') echo "ALERTMANAGER_WEBHOOK_TOKEN has characters not allowed in a bearer token" >&2; exit 2 ;; esac

if ! command -v prometheus-alertmanager >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # policy-rc.d keeps the package scripts from starting the stock service (its own config) on :9093.
  policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1; fi
  apt-get install -y prometheus-alertmanager >/dev/null || { apt-get update >/dev/null && apt-get install -y prometheus-alertmanager >/dev/null; }
  if [ "$created_policy" -eq 1 ]; then rm -f "$policy"; fi
fi

mkdir -p "$dir/data"
new_config="$(cat <<YAML
route:
  receiver: deckhand
  group_by: ['alertname', 'project']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: deckhand
    webhook_configs:
      - url: '$url'
        send_resolved: true
        max_alerts: 0
        http_config:
          authorization:
            type: Bearer
            credentials: '$token'
YAML
)"
changed=1
if [ -f "$dir/alertmanager.yml" ] && [ "$(cat "$dir/alertmanager.yml")" = "$new_config" ]; then changed=0; fi
printf '%s\n' "$new_config" > "$dir/alertmanager.yml"

ready() { curl -fsS -o /dev/null --max-time 2 "http://$listen/-/ready"; }

if ready; then
  if [ "$changed" = 1 ]; then curl -fsS -o /dev/null --max-time 5 -X POST "http://$listen/-/reload"; fi
else
  nohup prometheus-alertmanager \
    --config.file="$dir/alertmanager.yml" \
    --storage.path="$dir/data" \
    --web.listen-address="$listen" \
    --cluster.listen-address= \
    >"$dir/alertmanager.log" 2>&1 &
  echo $! > "$dir/alertmanager.pid"
fi

for _ in $(seq 1 60); do
  if ready; then echo "alertmanager ready on $listen → $url"; exit 0; fi
  sleep 0.5
done
echo "alertmanager did not become ready within 30 s; log: $dir/alertmanager.log" >&2
tail -n 20 "$dir/alertmanager.log" >&2 || true
exit 1
