#!/usr/bin/env bash
# Serve the demo platform: the web server in the foreground and one huey consumer
# (outbox dispatch, retries, the sandbox bank's callbacks) beside it, stopped together.
set -euo pipefail
cd "$(dirname "$0")/.."
host=${1:-127.0.0.1}
port=${2:-8000}
py=.venv/bin/python

$py manage.py run_huey --quiet &
consumer=$!
trap 'kill $consumer 2>/dev/null || true' EXIT INT TERM

$py manage.py demo_logins
echo "PeerFund demo: http://$host:$port/  (API docs: http://$host:$port/api/v1/docs, Ctrl-C stops)"
$py manage.py runserver "$host:$port" --noreload
