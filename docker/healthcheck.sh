#!/usr/bin/env bash
# Container health check of an akka-ingest node: GET /healthz on its admin endpoint, healthy on 200.
# Usage: healthcheck.sh [PORT]   (default 9110; always 127.0.0.1, where an endpoint bound to 0.0.0.0 also answers)
# The runtime image has neither curl nor wget, so bash's /dev/tcp speaks the one HTTP request. When the node requires a
# token (AKKA_INGEST_ADMIN_TOKEN, seen here because the check runs in the node's environment) every request, this one
# included, must carry it.
set -euo pipefail

port="${1:-9110}"
token="${AKKA_INGEST_ADMIN_TOKEN:-}"
# The node trims the token it reads, so the header must carry the trimmed value too.
token="${token#"${token%%[![:space:]]*}"}"
token="${token%"${token##*[![:space:]]}"}"

exec 3<>"/dev/tcp/127.0.0.1/${port}"
{
  printf 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:%s\r\nConnection: close\r\n' "$port"
  if [[ -n "$token" ]]; then printf 'Authorization: Bearer %s\r\n' "$token"; fi
  printf '\r\n'
} >&3
IFS= read -r -t 5 status_line <&3
exec 3<&-
if [[ "$status_line" =~ ^HTTP/1\.[01]\ 200[[:space:]] ]]; then
  exit 0
fi
echo "admin endpoint 127.0.0.1:${port}/healthz answered: ${status_line%$'\r'}" >&2
exit 1
