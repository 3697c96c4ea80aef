#!/usr/bin/env bash
# Makes sure the non-Node tools the checks need are there. Used by `npm test` and by .ci/run.
#
# What the tests need (any OS), probed directly:
#   /usr/bin/python3 with pytest, pandas, boto3 and xgboost 1.7 (libxgboost 1.7.4, the version SageMaker's XGBoost 1.7-1
#   container runs: the oracle for the scorer; boto3 brings botocore, whose service models validate the Glue jobs' AWS
#   calls), sqlfluff on PATH (SQL lint), and gcc with the C library headers (the libm oracle).
# On Debian/Ubuntu, missing pieces are installed with apt-get (as root, or with sudo when it needs no password).
# Anywhere else, or without root, the script prints exactly what to install and exits 1.
# SF_DEPS_PYTHON / SF_DEPS_APT_GET override /usr/bin/python3 / apt-get, for this script's own test only.
set -euo pipefail
PYTHON=${SF_DEPS_PYTHON:-/usr/bin/python3}
APT_GET=${SF_DEPS_APT_GET:-apt-get}
PACKAGES=(python3-xgboost python3-pytest python3-pandas sqlfluff python3-boto3 gcc libc6-dev chromium)

# Prints one line per missing requirement.
probe() {
  if ! [ -x "$PYTHON" ]; then
    echo "$PYTHON (Python 3) is missing"
  else
    "$PYTHON" - "$PYTHON" <<'PY' 2>/dev/null || echo "$PYTHON does not run"
import importlib, sys
for m in ("pytest", "pandas", "boto3"):
    try:
        importlib.import_module(m)
    except Exception:
        print(f"{sys.argv[1]} cannot import {m}")
try:
    import xgboost
    if not xgboost.__version__.startswith("1.7."):
        print(f"{sys.argv[1]} has xgboost {xgboost.__version__}, but 1.7 is needed (the tests compare with libxgboost 1.7.4)")
except Exception:
    print(f"{sys.argv[1]} cannot import xgboost (1.7 needed)")
PY
  fi
  command -v sqlfluff >/dev/null 2>&1 || echo "sqlfluff is not on PATH"
  if ! command -v gcc >/dev/null 2>&1; then
    echo "gcc is not on PATH"
  elif ! printf '#include <math.h>\nint main(void){return 0;}\n' | gcc -x c -o /dev/null - >/dev/null 2>&1; then
    echo "gcc cannot compile against the C library headers (math.h)"
  fi
  [ -x /usr/bin/chromium ] || echo "/usr/bin/chromium is missing (the demo page's browser test drives it headless)"
}

explain() {
  cat >&2 <<TEXT
npm test needs these tools besides Node, and some are missing here:
$(sed 's/^/  - /' <<<"$1")

Install:
  - Python 3 at /usr/bin/python3 (the tests call that path) with pytest, pandas, boto3 and xgboost 1.7, e.g.
      /usr/bin/python3 -m pip install 'xgboost==1.7.4' pytest pandas boto3
  - sqlfluff on PATH, e.g. python3 -m pip install sqlfluff
  - gcc and the C library headers
  - Chromium at /usr/bin/chromium (Debian's chromium package) for the demo's browser test
On Debian or Ubuntu, as root (or with sudo): apt-get install ${PACKAGES[*]}
TEXT
}

# Fast path on Debian/Ubuntu: every package installed (the tests use Debian's /usr/bin/python3).
if [ "$PYTHON" = /usr/bin/python3 ] && command -v dpkg-query >/dev/null 2>&1; then
  all=1
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || all=0
  done
  [ "$all" = 1 ] && exit 0
fi

missing=$(probe)
[ -z "$missing" ] && exit 0

# Debian/Ubuntu: install the missing packages, as before.
if command -v "$APT_GET" >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo"; else SUDO="none"; fi
  fi
  if [ "$SUDO" != none ]; then
    pkgs=()
    for p in "${PACKAGES[@]}"; do
      dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || pkgs+=("$p")
    done
    if ((${#pkgs[@]} > 0)); then
      echo "Installing Debian packages: ${pkgs[*]}" >&2
      $SUDO "$APT_GET" update -qq
      DEBIAN_FRONTEND=noninteractive $SUDO "$APT_GET" install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
    fi
    missing=$(probe)
    [ -z "$missing" ] && exit 0
  else
    echo "apt-get is here, but installing needs root or password-less sudo." >&2
  fi
fi
explain "$missing"
exit 1
