#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine with Python 3.11+.
# Installs the Debian packages the sandbox and the browser tests need, a virtual
# environment in .venv with everything pinned by constraints.txt, and a local
# copy of MathJax so the website typesets equations without a CDN.
# Re-running it does nothing unless pyproject.toml or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
MATHJAX_VERSION=3.2.2
DEBIAN_PACKAGES=(bubblewrap chromium chromium-driver)

log() { printf '[setup] %s\n' "$*"; }

missing=()
for pkg in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# npm may come with Debian's nodejs or from NodeSource's (which conflicts with Debian's npm).
command -v npm >/dev/null 2>&1 || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  log "installing Debian packages: ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q || log "apt-get update failed; trying the cached package lists"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

stamp="$VENV/.setup-stamp"
want=$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  log "creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  log "installing Python packages (pinned by constraints.txt)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -c constraints.txt -e ".[tensorflow,book,grader,dev,jax]"
  echo "$want" > "$stamp"
fi

mathjax_dir=book/_static/mathjax
if [ ! -f "$mathjax_dir/tex-chtml.js" ]; then
  log "fetching MathJax $MATHJAX_VERSION from the npm registry"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack -q "mathjax@$MATHJAX_VERSION" >/dev/null && tar -xzf mathjax-*.tgz)
  mkdir -p "$mathjax_dir"
  cp -r "$tmp/package/es5/." "$mathjax_dir/"
  rm -rf "$tmp"
fi
log "ready: $VENV ($("$VENV/bin/python" --version))"
