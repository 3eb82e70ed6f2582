#!/usr/bin/env bash
# Builds the native tool and tests, the WebAssembly module and the web root
# under build/, installing what is missing first. npm packages are always
# installed. When run as root on a Debian-like system, gcc, make and
# Emscripten (and Chromium with --with-browser) come from apt. Otherwise the
# script stops with the command to run. make rebuilds only what changed.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
    cat <<'TEXT'
Usage: bash build.sh [--with-browser]

Builds build/native/moe-bif, the native tests, build/wasm/moe_bif.wasm and
the web root build/web.
  --with-browser  also make sure Chromium is installed, for the browser tests
TEXT
}

with_browser=0
for argument in "$@"; do
    case "$argument" in
        --with-browser) with_browser=1 ;;
        -h | --help) usage; exit 0 ;;
        *) echo "build.sh: unknown option '$argument'" >&2; usage >&2; exit 2 ;;
    esac
done

apt_updated=0
# Installs a Debian package when a command is missing, or explains how to.
require_command() {
    local command_name=$1 package=$2
    if command -v "$command_name" >/dev/null 2>&1; then
        return
    fi
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "build.sh: $command_name not found; installing Debian package $package" >&2
        if [ "$apt_updated" -eq 0 ]; then
            apt-get update -qq
            apt_updated=1
        fi
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
        command -v "$command_name" >/dev/null 2>&1 && return
        echo "build.sh: installing $package did not provide $command_name" >&2
        exit 1
    fi
    echo "build.sh: $command_name not found. Install it with:" >&2
    echo "    sudo apt-get install -y $package" >&2
    exit 1
}

require_command node nodejs
require_command npm npm
require_command make make
require_command gcc gcc
require_command emcc emscripten
if [ "$with_browser" -eq 1 ]; then
    require_command chromium chromium
fi

# npm ci when the packages are missing or older than the lock file.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    echo "build.sh: installing npm packages (npm ci)" >&2
    npm ci --no-audit --no-fund >&2
fi

# Debian's Emscripten 3.1.6 runs its JS optimizer with the system's acorn.
export NODE_PATH="/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}"
make --no-print-directory -j2 all >&2
echo "build.sh: built build/native/moe-bif, build/wasm/moe_bif.wasm and build/web" >&2
