#!/usr/bin/env bash
# Install the GitHub API contract mock the PR-bot tests run against, pinned, into /opt/migrate-prism:
# @stoplight/prism-cli 5.14.2 (5.16 needs Node 24; this image has Node 20) and @octokit/openapi 23.0.2
# (GitHub's OpenAPI description, generated/api.github.com.json). The tests start and stop Prism.
set -euo pipefail

PRISM_DIR="${MIGRATE_PRISM_DIR:-/opt/migrate-prism}"
PRISM_VERSION="5.14.2"
OPENAPI_VERSION="23.0.2"
SPEC="$PRISM_DIR/node_modules/@octokit/openapi/generated/api.github.com.json"

installed() {
  [ -x "$PRISM_DIR/node_modules/.bin/prism" ] && [ -f "$SPEC" ] || return 1
  node -e '
    const dir = process.argv[1];
    const v = (p) => require(dir + "/node_modules/" + p + "/package.json").version;
    process.exit(v("@stoplight/prism-cli") === process.argv[2] && v("@octokit/openapi") === process.argv[3] ? 0 : 1);
  ' "$PRISM_DIR" "$PRISM_VERSION" "$OPENAPI_VERSION"
}

if installed; then
  echo "prism $PRISM_VERSION and @octokit/openapi $OPENAPI_VERSION already in $PRISM_DIR"
  exit 0
fi

command -v npm >/dev/null || { echo "npm is missing: apt-get install -y nodejs npm (Node >= 18)" >&2; exit 1; }
mkdir -p "$PRISM_DIR"
cd "$PRISM_DIR"
[ -f package.json ] || echo '{"private": true}' > package.json
npm install --no-audit --no-fund --save-exact \
  "@stoplight/prism-cli@$PRISM_VERSION" "@octokit/openapi@$OPENAPI_VERSION"
installed || { echo "prism install in $PRISM_DIR is incomplete" >&2; exit 1; }
echo "installed prism $PRISM_VERSION and @octokit/openapi $OPENAPI_VERSION in $PRISM_DIR"
