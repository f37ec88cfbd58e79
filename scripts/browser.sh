#!/usr/bin/env bash
# The browser tests of the web console (tests/browser/): headless Debian chromium driven by
# Playwright for Python, against examples/pa_system with --console.
#
#   scripts/browser.sh setup        install the Debian package chromium when /usr/bin/chromium is
#                                   missing (as root or with sudo), and make the venv with the
#                                   packages of tests/browser/requirements.txt (once; again when
#                                   that file changes)
#   scripts/browser.sh test [ARGS]  setup, build examples/pa_system and the osmp command line, run the
#                                   tests (ARGS go to pytest); OSMP_UPDATE_SCREENSHOT=1 also copies
#                                   the screenshot the tests take to docs/console.png
#
# Playwright's own browser downloads are never used: the tests launch /usr/bin/chromium.
# Environment:
#   OSMP_BROWSER_VENV   the venv (default target/browser-venv)
#   OSMP_CHROMIUM       the browser binary (default /usr/bin/chromium)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${OSMP_BROWSER_VENV:-$PWD/target/browser-venv}"
CHROMIUM="${OSMP_CHROMIUM:-/usr/bin/chromium}"
REQUIREMENTS=tests/browser/requirements.txt

log() { echo "browser.sh: $*" >&2; }

as_root() {
    if [[ "$(id -u)" == 0 ]]; then "$@"; else sudo "$@"; fi
}

install_chromium() {
    [[ -x "$CHROMIUM" ]] && return
    log "installing the Debian package chromium"
    local start=$SECONDS
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        chromium fonts-dejavu-core >/dev/null
    log "chromium installed in $((SECONDS - start))s"
}

make_venv() {
    local stamp="$VENV/.requirements"
    if [[ -x "$VENV/bin/python" ]] && cmp -s "$REQUIREMENTS" "$stamp"; then
        return
    fi
    log "making the venv $VENV"
    local start=$SECONDS
    if ! python3 -m venv --clear "$VENV" 2>/dev/null; then
        # Debian's python3 needs its venv package.
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends python3-venv >/dev/null
        python3 -m venv --clear "$VENV"
    fi
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check -r "$REQUIREMENTS"
    cp "$REQUIREMENTS" "$stamp"
    log "venv ready in $((SECONDS - start))s"
}

setup() {
    install_chromium
    make_venv
}

run_tests() {
    setup
    log "building examples/pa_system and the osmp command line"
    # Exactly as scripts/test's `cargo test` builds them (the same features, dev-dependencies
    # included), so that after it nothing is built again; alone, this builds the test suite.
    cargo test --workspace --all-features --locked --no-run
    local start=$SECONDS
    OSMP_CHROMIUM="$CHROMIUM" OSMP_PA_SYSTEM="$PWD/target/debug/examples/pa_system" OSMP_CLI="$PWD/target/debug/osmp" \
        "$VENV/bin/python" -m pytest tests/browser -p no:cacheprovider "$@"
    log "browser tests ran in $((SECONDS - start))s"
}

case "${1:-test}" in
setup) setup ;;
test)
    shift || true
    run_tests "$@"
    ;;
*)
    echo "usage: $0 [setup|test [PYTEST ARGS]]" >&2
    exit 2
    ;;
esac
