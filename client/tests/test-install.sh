#!/usr/bin/env bash
# test-install.sh: libkvclient as a user gets it. `meson install` of the build into a scratch
# root, then the documentation's library example (the first ```c block that includes kvclient.h,
# in README.md or docs/*.md) compiled with -Werror and linked with nothing but
# `pkg-config kvclient`.
#
#   test-install.sh BUILD_DIR SOURCE_DIR
#
# Exits 77 (skipped) when pkg-config or a C compiler is missing.
set -euo pipefail
build=$1
src=$2
command -v pkg-config >/dev/null || { echo "SKIP: pkg-config is not installed"; exit 77; }
cc=${CC:-cc}
command -v "$cc" >/dev/null || { echo "SKIP: no C compiler ($cc)"; exit 77; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
DESTDIR="$root" meson install -C "$build" --no-rebuild --quiet
pc=$(dirname "$(find "$root" -name kvclient.pc | head -n1)")
# The example, from whichever page holds it today.
awk '/^```c$/ { inb = 1; buf = ""; next }
     inb && /^```$/ { if (buf ~ /#include <kvclient.h>/) { printf "%s", buf; exit } inb = 0; next }
     inb { buf = buf $0 "\n" }' "$src/README.md" "$src"/docs/*.md 2>/dev/null >"$root/app.c" || true
[ -s "$root/app.c" ] || { echo "no \`\`\`c example including kvclient.h in README.md or docs/" >&2; exit 1; }
# shellcheck disable=SC2046  # pkg-config prints a word list on purpose
"$cc" -std=c11 -Wall -Wextra -Werror -o "$root/app" "$root/app.c" \
  $(PKG_CONFIG_SYSROOT_DIR="$root" PKG_CONFIG_PATH="$pc" pkg-config --cflags --libs kvclient)
echo "the documented example built against the installed libkvclient" \
  "($(basename "$(find "$root" -name 'libkvclient.so.*.*' | head -n1)"))"
