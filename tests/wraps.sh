#!/usr/bin/env bash
# The wraps in subprojects/ build moat on a host without the -dev packages: a fresh
# build directory where meson is made to use each wrap instead of the system's library
# (--force-fallback-for), then the built moat runs a busybox bundle with `moat spec`'s
# config. Prints "ok wraps/NAME", "not ok wraps/NAME: reason", "skip wraps/NAME: reason".
#
# A wrap whose source tarball cannot be downloaded from here (and is not in
# subprojects/packagecache) is left to the system's library and its tests say skip.
# Unoptimised (-O0) to keep the second build of moat short. Needs root for the run.
# Environment: MOAT_BUILD_DIR (the wraps build goes in $MOAT_BUILD_DIR-wraps),
# WRAPS_KEEP=1 keeps that build directory.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 1
repo=$PWD
builddir=${MOAT_BUILD_DIR:-build}
[[ $builddir == /* ]] || builddir=$repo/$builddir
builddir=$builddir-wraps
WRAPS=(libseccomp libcap yajl libmnl libnftnl)
# The library file each overlay builds, under its subproject's build directory.
declare -A ARCHIVE=([libseccomp]=libseccomp.a [libcap]=libcap.a [yajl]=libyajl_s.a
                    [libmnl]=libmnl.a [libnftnl]=libnftnl.a)
# The program that links each: the netfilter libraries are the moat-nft helper's alone.
declare -A PROGRAM=([libseccomp]=moat [libcap]=moat [yajl]=moat [libmnl]=moat-nft [libnftnl]=moat-nft)

ok()     { echo "ok wraps/$1"; }
not_ok() { local n=$1; shift; echo "not ok wraps/$n: $(tr '\n' ' ' <<<"$*" | cut -c1-600)"; }
skip()   { local n=$1; shift; echo "skip wraps/$n: $*"; }
log()    { echo "# $*" >&2; }

tmp=$(mktemp -d /tmp/moat-wraps.XXXXXX)
cleanup() {
    [[ -n ${MOAT_BIN:-} ]] && "$MOAT_BIN" --root "$tmp/state" delete --force "wraps-$$" >/dev/null 2>&1
    rm -rf --one-file-system "$tmp"
    [[ ${WRAPS_KEEP:-0} == 1 ]] || rm -rf "$builddir"
}
trap cleanup EXIT

wrap_value() { sed -n "s/^$2 *= *//p" "subprojects/$1.wrap"; }

# 1. Which wraps can be fetched here: the tarball is cached, or its URL answers.
forced=()
for w in "${WRAPS[@]}"; do
    url=$(wrap_value "$w" source_url)
    if [[ -f subprojects/packagecache/$(wrap_value "$w" source_filename) ]]; then
        forced+=("$w")
        continue
    fi
    code=$(curl -s -o /dev/null -r 0-0 --max-time 30 -w '%{http_code}' "$url") || true
    if [[ $code == 200 || $code == 206 ]]; then
        forced+=("$w")
    else
        skip "fetch-$w" "its source tarball is not downloadable from here (HTTP ${code:-none}: $url)"
    fi
done

# 2. An unpacked subproject made from an older overlay would hide this one: unpack anew.
for w in "${forced[@]}"; do
    dir=subprojects/$(wrap_value "$w" directory)
    [[ -d $dir ]] || continue
    while IFS= read -r f; do
        if ! cmp -s "$f" "$dir/${f#"subprojects/packagefiles/$w/"}"; then
            log "$dir is older than packagefiles/$w: unpacking it again"
            rm -rf "$dir"
            break
        fi
    done < <(find "subprojects/packagefiles/$w" -type f)
done

# 3. Configure and build with every fetchable wrap forced.
names=("${forced[@]}")
targets=(moat moat-nft)
for w in "${forced[@]}"; do
    targets+=("subprojects/$(wrap_value "$w" directory)/${ARCHIVE[$w]}")
done
rm -rf "$builddir"
started=$SECONDS
if ! meson setup "$builddir" --force-fallback-for="$(IFS=,; echo "${names[*]}")" \
        -Dtests=false -Dman=disabled --buildtype=plain -Doptimization=0 >"$tmp/setup.log" 2>&1; then
    not_ok configure "meson setup failed: $(tail -n 15 "$tmp/setup.log")"
    exit 1
fi
ok configure
for w in "${forced[@]}"; do
    if grep -q "Dependency $w found: YES .*(overridden)" "$tmp/setup.log"; then
        ok "fetch-$w"
    else
        not_ok "fetch-$w" "meson did not use the wrap: $(grep -i "$w" "$tmp/setup.log" | tail -n 5)"
    fi
done
if ! nice -n 10 ninja -C "$builddir" "${targets[@]}" >"$tmp/build.log" 2>&1; then
    not_ok build "ninja failed: $(grep -m5 -i 'error' "$tmp/build.log") $(tail -n 5 "$tmp/build.log")"
    exit 1
fi
ok build
log "configure and build took $((SECONDS - started)) s"

# 4. moat (or moat-nft) is linked with each wrap's archive, not a system library
# (static_deps must not swap a system archive in under a wrap's headers).
for w in "${forced[@]}"; do
    program=${PROGRAM[$w]}
    read -ra link < <(ninja -C "$builddir" -t commands "$program" | tail -n 1)
    archive=subprojects/$(wrap_value "$w" directory)/${ARCHIVE[$w]}
    # The library's link name: libseccomp.a -> seccomp, libyajl_s.a -> yajl_s.
    short=${ARCHIVE[$w]#lib}
    short=${short%.a}
    found='' other=''
    for arg in "${link[@]}"; do
        if [[ $arg == "$archive" ]]; then
            found=1
        elif [[ $arg == "-l$short" || $arg == */"lib$short.a" || $arg == */"lib$short.so"* ]]; then
            other=$arg
        fi
    done
    if [[ -z $found ]]; then
        not_ok "link-$w" "$program's link command does not name $archive"
    elif [[ -n $other ]]; then
        not_ok "link-$w" "$program's link command also names $other"
    else
        ok "link-$w"
    fi
done

# 5. The built moat runs a container with its hardened profile (seccomp, capabilities,
# config.json parsing, netlink all go through the wrapped libraries).
MOAT_BIN=$builddir/moat
if [[ $EUID -ne 0 ]]; then
    skip run-echo "containers need root"
    skip run-profile "containers need root"
    exit 0
fi
if ! bb=$(command -v busybox); then
    skip run-echo "busybox is not installed (scripts/install-deps installs busybox-static)"
    skip run-profile "busybox is not installed"
    exit 0
fi
bundle=$tmp/bundle
mkdir -p "$bundle/rootfs"/{bin,dev,etc,proc,sys,tmp}
cp "$bb" "$bundle/rootfs/bin/busybox"
for applet in echo sh grep cat; do ln -s busybox "$bundle/rootfs/bin/$applet"; done
echo "root:x:0:0:root:/root:/bin/sh" >"$bundle/rootfs/etc/passwd"
echo "root:x:0:" >"$bundle/rootfs/etc/group"
if ! (cd "$bundle" && "$MOAT_BIN" spec) >"$tmp/spec.log" 2>&1; then
    not_ok run-echo "moat spec failed: $(cat "$tmp/spec.log")"
    exit 1
fi
cp "$bundle/config.json" "$tmp/config.json"

# run_in_bundle ARGS-JSON: moat run with process.args set, stdout+stderr printed.
run_in_bundle() {
    jq --argjson args "$1" '.process.args = $args | .process.terminal = false' \
        "$tmp/config.json" >"$bundle/config.json" &&
    timeout --kill-after=5 60 "$MOAT_BIN" --root "$tmp/state" run --bundle "$bundle" "wraps-$$" \
        </dev/null 2>&1
}

if out=$(run_in_bundle '["/bin/echo", "wraps-ok"]'); then
    if [[ $out == wraps-ok ]]; then ok run-echo; else not_ok run-echo "printed: $out"; fi
else
    not_ok run-echo "moat run failed: $out"
fi

# moat spec's profile: a seccomp filter on, no effective capabilities.
if out=$(run_in_bundle '["/bin/grep", "-E", "^(Seccomp|CapEff):", "/proc/self/status"]'); then
    seccomp=$(awk '$1 == "Seccomp:" { print $2 }' <<<"$out")
    capeff=$(awk '$1 == "CapEff:" { print $2 }' <<<"$out")
    if [[ $seccomp != 2 ]]; then
        not_ok run-profile "Seccomp is '$seccomp' inside, not 2 (filter): $out"
    elif [[ $capeff != 0000000000000000 ]]; then
        not_ok run-profile "CapEff is '$capeff' inside, not 0: $out"
    else
        ok run-profile
    fi
else
    not_ok run-profile "moat run failed: $out"
fi
