#!/usr/bin/env bash
# Local demo: a Keycloak-shaped issuer (realm demo, :9400), an echo origin
# (:9401), the edge worker under `wrangler dev` (:8787) and the browser page
# (www/ served as it is, :9402), with ready-to-paste curl lines and the page's
# URL. Ctrl-C stops everything.
#
# The worker runs with wrangler.toml's own [vars.AUTHZ], which points at
# http://127.0.0.1:9400/realms/demo and http://127.0.0.1:9401.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export PATH="$ROOT/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export WRANGLER_SEND_METRICS=false

ISSUER_PORT=9400
ORIGIN_PORT=9401
WORKER_PORT=8787
PAGE_PORT=9402
REALM=demo
ISSUER="http://127.0.0.1:$ISSUER_PORT/realms/$REALM"
TOKEN_URL="$ISSUER/protocol/openid-connect/token"
ORIGIN="http://127.0.0.1:$ORIGIN_PORT"
WORKER="http://127.0.0.1:$WORKER_PORT"
PAGE="http://127.0.0.1:$PAGE_PORT/"
LOGDIR="$(mktemp -d "${TMPDIR:-/tmp}/edge-demo.XXXXXX")"

say() { echo "demo: $*"; }

# --- tools ----------------------------------------------------------------------
if ! command -v worker-build >/dev/null || ! command -v wasm-bindgen >/dev/null \
   || [ ! -x node_modules/.bin/wrangler ] || [ ! -d node_modules/oidc-provider ]; then
  say "tools missing: running scripts/setup.sh"
  scripts/setup.sh
fi

# The page's wasm (www/pkg, git-ignored): built when missing or older than
# the crate's sources.
if [ ! -f www/pkg/edge_authz_bg.wasm ] \
   || [ -n "$(find src Cargo.toml Cargo.lock -newer www/pkg/edge_authz_bg.wasm -print -quit)" ]; then
  say "building the page (scripts/build-page.sh)"
  scripts/build-page.sh
fi

for port in $ISSUER_PORT $ORIGIN_PORT $WORKER_PORT $PAGE_PORT; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    say "port $port is already in use; stop what runs there first"
    exit 1
  fi
done

# --- start ----------------------------------------------------------------------
PIDS=()
cleanup() {
  trap - INT TERM EXIT
  echo
  say "stopping"
  for pid in "${PIDS[@]}"; do
    # each runs in its own session (setsid): end its whole process group
    kill -TERM -- "-$pid" 2>/dev/null || true
  done
  sleep 1
  for pid in "${PIDS[@]}"; do kill -KILL -- "-$pid" 2>/dev/null || true; done
  say "logs kept in $LOGDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start() { # name command...
  local name="$1"
  shift
  setsid "$@" >"$LOGDIR/$name.log" 2>&1 </dev/null &
  PIDS+=("$!")
  say "started $name (pid $!, log $LOGDIR/$name.log)"
}

start issuer node tests/support/issuer.mjs --port "$ISSUER_PORT" --realm "$REALM"
start origin node tests/support/origin.mjs --port "$ORIGIN_PORT"
start worker npx wrangler dev --ip 127.0.0.1 --port "$WORKER_PORT" --show-interactive-dev-session=false
start page node tests/support/static.mjs --root www --port "$PAGE_PORT"

wait_http() { # name url seconds
  local name="$1" url="$2" limit="$3" t=0
  until curl -s -o /dev/null --max-time 20 "$url"; do
    for pid in "${PIDS[@]}"; do
      if ! kill -0 "$pid" 2>/dev/null; then
        say "a process ended early; last lines of the logs:"
        tail -n 30 "$LOGDIR"/*.log
        exit 1
      fi
    done
    if [ "$t" -ge "$limit" ]; then
      say "$name did not answer at $url within ${limit}s; its log:"
      tail -n 40 "$LOGDIR/$name.log"
      exit 1
    fi
    sleep 1
    t=$((t + 1))
  done
  say "$name answers at $url"
}

wait_http issuer "$ISSUER/.well-known/openid-configuration" 30
wait_http origin "$ORIGIN/" 30
wait_http page "$PAGE" 30
say "waiting for the worker (the first start compiles the crate, up to a few minutes)"
wait_http worker "$WORKER/" 300

echo
sed -n '1,/^clients/p;/^  svc/p' "$LOGDIR/issuer.log"

# --- check it once, then show how ------------------------------------------------
TOKEN="$(curl -s -u svc-a:svc-a-secret -d grant_type=client_credentials "$TOKEN_URL" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).access_token))')"
code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
A=$(code -H "Authorization: Bearer $TOKEN" "$WORKER/orgs/org-a/things")
B=$(code -H "Authorization: Bearer $TOKEN" "$WORKER/orgs/org-b/things")
N=$(code "$WORKER/orgs/org-a/things")
X=$(code -u svc-a:svc-a-secret "$WORKER/orgs/org-a/things")
M=$(code -u svc-admin:svc-admin-secret "$WORKER/orgs/org-b/things")
echo
say "self-check: org-a with svc-a token -> $A (want 200), org-b -> $B (want 403), no token -> $N (want 401), Basic svc-a -> $X (want 200), Basic svc-admin on org-b -> $M (want 200)"

cat <<CURL

Ready. Paste these in another shell:

  # a token for svc-a (organisation org-a), client_credentials with Basic auth
  TOKEN=\$(curl -s -u svc-a:svc-a-secret -d grant_type=client_credentials \\
    $TOKEN_URL \\
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).access_token))')

  # allowed: reaches the echo origin, which shows the x-auth-* headers it got
  curl -i -H "Authorization: Bearer \$TOKEN" $WORKER/orgs/org-a/things

  # refused: another organisation -> 403, code org_mismatch in the problem
  # body (WWW-Authenticate says error="insufficient_scope")
  curl -i -H "Authorization: Bearer \$TOKEN" $WORKER/orgs/org-b/things

  # refused: no token -> 401 with WWW-Authenticate: Bearer realm="api", Basic realm="api"
  curl -i $WORKER/orgs/org-a/things

  # Basic exchange: the edge trades the customer's client id and secret for a
  # token at the issuer and forwards Authorization: Bearer <token> (no Basic)
  curl -i -u svc-a:svc-a-secret $WORKER/orgs/org-a/things

  # a wrong secret -> 401 with WWW-Authenticate: Basic realm="api"
  curl -i -u svc-a:wrong $WORKER/orgs/org-a/things

  # the admin client (organisation org-ops, role kas-fleet-manager-admin-full,
  # which wrangler.toml's /orgs/{org}/* route lists in cross_org_roles) may
  # act for any org: 200 on org-b; the origin gets x-auth-org: org-ops, the
  # token's own org, and the org acted for in the path
  curl -i -u svc-admin:svc-admin-secret $WORKER/orgs/org-b/things

The page (decode, verify, explain, build; nothing leaves it unless you press
a button that says it fetches): $PAGE
  this demo's token, decoded (the link carries it without its signature):
  $PAGE#token=${TOKEN%.*}.
  Explain: paste wrangler.toml, press "Fetch JWKS from the issuer's
  discovery" under the issuer, then paste the whole \$TOKEN in Decode (a
  link carries no signature) and press "Use the decoded token".

Ctrl-C stops the issuer, the origin, the worker and the page.
CURL

wait -n "${PIDS[@]}" || true
say "a process ended; stopping the rest"
