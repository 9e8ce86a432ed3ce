#!/usr/bin/env bash
# Install what the browser tests (tests/test_browser.py, tests/test_pdf.py, pytest -m browser) need:
#   1. Debian's Chromium (/usr/bin/chromium) plus fonts, and poppler-utils (pdftoppm, for the
#      PDF tests), via apt-get;
#   2. the Python `playwright` package into the project virtualenv (.venv) -- its
#      driver ships inside the wheel; we never run `playwright install`, the tests
#      drive Debian's Chromium through `executable_path`;
#   3. the pinned npm `axe-core` into tests/browser/node_modules (npm ci).
#
# Idempotent: each step checks first and does nothing when already done, so a second
# run takes about a second. Non-interactive (fine with CI=true and no stdin); needs root
# (or sudo) only when something must be apt-installed.
#
# With --pdf, only what `reviewpack build --pdf` needs (`make pdf`): Chromium, its fonts and
# playwright; no poppler-utils, no axe-core.
#
# Usage:  scripts/setup-browser.sh [--pdf]    (from anywhere)
# Env:    VENV=path/to/venv                    (default: <repo>/.venv, must already exist)
#         PLAYWRIGHT_SPEC='playwright>=1.45,<2' (pip requirement to install)
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="${VENV:-$ROOT/.venv}"
PY="$VENV/bin/python"
PLAYWRIGHT_SPEC="${PLAYWRIGHT_SPEC:-playwright>=1.45,<2}"
JSDIR="$ROOT/tests/browser"
CHROMIUM="${REVIEWPACK_CHROMIUM:-/usr/bin/chromium}"
# fonts-liberation: metric-compatible Arial/Times; fonts-dejavu-core: wide Unicode cover.
APT_PACKAGES=(chromium fonts-liberation fonts-dejavu-core)
PDF_ONLY=0
for arg in "$@"; do
    case "$arg" in
        --pdf) PDF_ONLY=1 ;;
        *) printf 'setup-browser: ERROR: unknown option %s (usage: scripts/setup-browser.sh [--pdf])\n' "$arg" >&2; exit 2 ;;
    esac
done
# poppler-utils: pdftoppm renders every page of a built PDF in tests/test_pdf.py
[[ $PDF_ONLY -eq 1 ]] || APT_PACKAGES+=(poppler-utils)

say()  { printf 'setup-browser: %s\n' "$*"; }
die()  { printf 'setup-browser: ERROR: %s\n' "$*" >&2; exit 1; }
trap 'die "failed at line $LINENO (exit $?): see the output above"' ERR

export DEBIAN_FRONTEND=noninteractive

as_root() {
    if [[ $(id -u) -eq 0 ]]; then "$@"
    elif command -v sudo >/dev/null 2>&1; then sudo -n "$@"
    else die "need root (or passwordless sudo) to run: $*"
    fi
}

apt_install() {
    # Try without refreshing the package lists first (fast when they are current);
    # on failure run apt-get update once and try again.
    say "apt-get install $*"
    if ! as_root apt-get install -y -q --no-install-recommends "$@" </dev/null; then
        say "install failed; running apt-get update and retrying"
        as_root apt-get update -q </dev/null || die "apt-get update failed"
        as_root apt-get install -y -q --no-install-recommends "$@" </dev/null \
            || die "apt-get install $* failed"
    fi
}

# --- 1. Chromium ------------------------------------------------------------------
missing=()
for pkg in "${APT_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if [[ ${#missing[@]} -eq 0 && -x "$CHROMIUM" ]]; then
    say "chromium already installed: $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
else
    command -v apt-get >/dev/null 2>&1 || die "apt-get not found: install Chromium yourself and set REVIEWPACK_CHROMIUM=/path/to/chromium"
    apt_install "${missing[@]:-chromium}"
    [[ -x "$CHROMIUM" ]] || die "chromium installed but $CHROMIUM is missing"
    say "installed $("$CHROMIUM" --version 2>/dev/null || echo chromium)"
fi

# --- 2. Python playwright in the project venv ---------------------------------------
[[ -x "$PY" ]] || die "no virtualenv at $VENV: run 'make test' (or 'python3.11 -m venv .venv && .venv/bin/pip install -e .[test]') first, or set VENV="
if "$PY" -c 'import playwright.sync_api' >/dev/null 2>&1; then
    say "playwright already in $VENV: $("$PY" -m pip show playwright 2>/dev/null | sed -n 's/^Version: //p')"
else
    say "pip install '$PLAYWRIGHT_SPEC' into $VENV (Python package only; no browser download)"
    "$PY" -m pip install --quiet --disable-pip-version-check "$PLAYWRIGHT_SPEC" </dev/null \
        || die "pip install $PLAYWRIGHT_SPEC failed"
    "$PY" -c 'import playwright.sync_api' || die "playwright installed but does not import"
fi

if [[ $PDF_ONLY -eq 1 ]]; then
    say "ready for 'reviewpack build --pdf': chromium=$CHROMIUM, playwright in $VENV"
    exit 0
fi

# --- 3. axe-core from npm (pinned by tests/browser/package-lock.json) ------------------
AXE="$JSDIR/node_modules/axe-core/axe.min.js"
want="$(sed -n 's/.*"axe-core": *"\([^"]*\)".*/\1/p' "$JSDIR/package.json" | head -n1)"
have=""
[[ -f "$JSDIR/node_modules/axe-core/package.json" ]] && \
    have="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$JSDIR/node_modules/axe-core/package.json" | head -n1)"
if [[ -f "$AXE" && -n "$want" && "$have" == "$want" ]]; then
    say "axe-core $have already in tests/browser/node_modules"
else
    if ! command -v npm >/dev/null 2>&1; then
        apt_install nodejs npm
    fi
    say "npm ci in tests/browser (axe-core $want)"
    (cd "$JSDIR" && npm ci --no-audit --no-fund --loglevel=error </dev/null) \
        || die "npm ci failed in $JSDIR"
    [[ -f "$AXE" ]] || die "npm ci ran but $AXE is missing"
fi

say "ready: chromium=$CHROMIUM, playwright in $VENV, axe-core in tests/browser/node_modules"
say "run the browser tests with: $VENV/bin/python -m pytest -m browser tests/test_browser.py"
