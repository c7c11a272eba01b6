#!/usr/bin/env bash
# One command for a fresh Debian/Ubuntu machine: install everything into .venv, build examples/hello
# into a native dist/function.zip, and invoke it under the local emulator.
set -euo pipefail
cd "$(dirname "$0")"

# System packages: a C compiler and Python's headers (Nuitka needs both), curl for shell-script
# runtimes in the tests, ccache to make rebuilds fast (optional: builds work without it), and for arm64:
# readelf (binutils) to cross-compile CPython, qemu-user and the aarch64 glibc to run arm64 zips here,
# Debian's python3 with venv and headers (its exact source is in Debian's archive: the arm64 tests use it),
# and PostgreSQL and Redis for the corpus (benchmarks/corpus) tests.
if command -v apt-get >/dev/null 2>&1; then
    sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    need=()
    command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
    command -v curl >/dev/null 2>&1 || need+=(curl)
    has_venv() { "$1" -c 'import venv, ensurepip' >/dev/null 2>&1; }
    has_headers() {
        "$1" -c 'import sysconfig, os, sys; sys.exit(not os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'
    }
    has_venv python3 || need+=(python3-venv)
    has_headers python3 || need+=(python3-dev)
    command -v ccache >/dev/null 2>&1 || need+=(ccache)
    command -v readelf >/dev/null 2>&1 || need+=(binutils)
    command -v qemu-aarch64-static >/dev/null 2>&1 || command -v qemu-aarch64 >/dev/null 2>&1 \
        || need+=(qemu-user-static)
    [ -e /usr/aarch64-linux-gnu/lib/ld-linux-aarch64.so.1 ] || need+=(libc6-arm64-cross)
    # The servers the corpus's database functions talk to in the tests, started by them on 127.0.0.1.
    compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
    command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
    if [ -x /usr/bin/python3 ]; then
        has_venv /usr/bin/python3 || need+=(python3-venv)
        has_headers /usr/bin/python3 || need+=(python3-dev)
    fi
    if [ ${#need[@]} -gt 0 ]; then
        echo "setup: apt-get install ${need[*]}"
        $sudo apt-get update -qq
        $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
    fi
fi

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[dev]'

echo "setup: building examples/hello natively"
.venv/bin/python build.py
echo "setup: invoking dist/function.zip under the emulator"
.venv/bin/lambda-native invoke dist/function.zip --event examples/hello/event.json
