#!/usr/bin/env bash
# The CLI outside the repository, as an edge device gets it: `npm pack` the CLI and the packages it needs (scorer,
# detector, schema), install the four tarballs into an empty folder with no network (`--offline`; the AWS SDK is an
# optional dependency and is skipped), and run the installed `smart-factory` there. Exits non-zero on any difference.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d "${TMPDIR:-/tmp}/smart-factory-pack.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/tgz" "$work/device"

npm run --silent build:packages
for p in schema rcf xgboost cli; do
  (cd "packages/$p" && npm pack --silent --pack-destination "$work/tgz" >/dev/null)
done
ls "$work/tgz"

cd "$work/device"
printf '{ "name": "edge-device", "version": "1.0.0", "private": true }\n' >package.json
npm install --offline --no-audit --no-fund --loglevel=error "$work"/tgz/*.tgz

fail() {
  echo "pack-cli: $*" >&2
  exit 1
}
sf() { npx --no-install smart-factory "$@"; }

help=$(sf --help)
for c in detect edge score serve simulate validate; do
  grep -q "^  $c " <<<"$help" || fail "--help does not list $c"
done
# The package description names only commands that exist.
desc=$(node -p "require('@smart-factory/cli/package.json').description")
for c in $(sed -E 's/.*\(([^)]*)\).*/\1/; s/,/ /g' <<<"$desc"); do
  grep -q "^  $c " <<<"$help" || fail "the package description names \"$c\", which is not a command"
done
want=$(node -p "require('$root/packages/cli/package.json').version")
[ "$(sf --version)" = "smart-factory $want" ] || fail "--version printed $(sf --version)"

# Score one row with the seed model and detect on a short series, from the installed packages only.
cp "$root/packages/xgboost/test/fixtures/seed/model.tar.gz" model.tar.gz
score=$(printf '70,1500,40,2,5,1\n' | sf score --model model.tar.gz --input -)
[[ "$score" =~ ^0\.[0-9]+$ ]] || fail "score printed \"$score\""
head -n 600 "$root/data/nab/machine_temperature_system_failure.csv" >series.csv
sf detect --input series.csv --output - >scored.csv 2>detect.err
[ "$(wc -l <scored.csv)" -eq 600 ] || fail "detect wrote $(wc -l <scored.csv) lines: $(cat detect.err)"
# Without the optional AWS SDK, a command that needs it says what to install.
if sf simulate --devices 1 --rate 1 --duration 1 --to kinesis:s --region eu-west-1 2>sim.err; then
  fail "simulate to Kinesis succeeded without the AWS SDK"
fi
grep -q 'npm install @aws-sdk/client-kinesis' sim.err || fail "simulate said: $(cat sim.err)"
echo "pack-cli: the packed CLI installs offline into an empty folder and runs there ($(sf --version), score $score)"
