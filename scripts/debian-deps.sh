#!/usr/bin/env bash
# Installs the Debian packages the checks need, only those missing. Used by `npm test` and by .ci/run.
# python3-xgboost is libxgboost 1.7.4 (the version SageMaker's XGBoost 1.7-1 container runs): the oracle for the scorer.
# python3-boto3 brings botocore, whose service models validate the Glue jobs' AWS calls (botocore Stubber).
# chromium: the demo page's browser test (playwright-core drives it headless).
set -euo pipefail
PACKAGES=(python3-xgboost python3-pytest python3-pandas sqlfluff python3-boto3 gcc libc6-dev chromium)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then exit 0; fi
echo "Installing Debian packages: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
