#!/usr/bin/env bash
# Installs the Debian packages the checks need, only those missing. Used by `npm test` and by .ci/run.
# python3-xgboost is libxgboost 1.7.4 (the version SageMaker's XGBoost 1.7-1 container runs): the oracle for the scorer.
set -euo pipefail
PACKAGES=(python3-xgboost python3-pytest python3-pandas sqlfluff gcc libc6-dev)
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
