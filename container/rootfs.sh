#!/bin/sh
# rootfs.sh BIN FIXTURE OUT: the runtime stage's files (Containerfile), in OUT: the stripped
# binary, every library it loads at its own path with the dynamic loader and a loader cache, the
# fixture, a user and group 10001 "mockvault", /tmp; and OUT-data, the state volume's starting
# contents (empty).
set -eu
bin=$1
fixture=$2
out=$3

mkdir -p "$out/usr/bin" "$out/etc" "$out/tmp" "$out/usr/share/mockvault/fixtures" "$out-data"
chmod 1777 "$out/tmp"
cp "$bin" "$out/usr/bin/mockvault"
strip --strip-unneeded "$out/usr/bin/mockvault"
cp "$fixture" "$out/usr/share/mockvault/fixtures/default.json"
# The libraries, as ldd names them ("name => /path (addr)"), and the loader ("/path (addr)").
ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
  while read -r lib; do
    mkdir -p "$out$(dirname "$lib")"
    cp -L "$lib" "$out$lib"
  done
# The loader finds them through its cache, as on the build system.
for d in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | xargs -n1 dirname | sort -u); do
  echo "$d"
done >"$out/etc/ld.so.conf"
ldconfig -r "$out"
echo "mockvault:x:10001:10001:mockvault:/data:/nonexistent" >"$out/etc/passwd"
echo "mockvault:x:10001:" >"$out/etc/group"
echo "hosts: files dns" >"$out/etc/nsswitch.conf"
