#!/usr/bin/env bash
# Checks that the man pages agree with the binary's --help: for moat itself and
# for every command `moat --help` lists, the flags `moat [COMMAND] --help`
# prints must be documented in the page's option list, and the page must not
# document flags the binary does not have.
#
# Usage: man/check-help.sh [MOAT]   (default: $MOAT, else build/moat)
# Prints "ok man-NAME" or "not ok man-NAME: reason" per page; exit 1 on failure.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
moat=${1:-${MOAT:-$here/../build/moat}}
if [[ ! -x $moat ]]; then
    echo "not ok man-moat: no moat binary at $moat"
    exit 1
fi

failed=0

# Flags in a --help text's option list ("  -b, --bundle DIR   help").
help_flags() {
    sed -n '/^options:/,$p; /^global options:/,/^$/p' |
        grep -oE '^ +(-[a-zA-Z], )?--[a-z0-9-]+' | grep -oE -- '--[a-z0-9-]+' | sort -u
}

# Flags a page defines: a definition line that starts with *-x*, *--flag* and
# is followed by its tab-indented description (prose mentioning a flag at the
# start of a line is not a definition).
page_flags() {
    awk '/^\t/ && prev ~ /^\*-/ { print prev } { prev = $0 }' "$1" |
        grep -oE -- '--[a-z0-9-]+' | sort -u
}

# check NAME PAGE HELP_TEXT
check() {
    local name=$1 page=$2 help=$3 problems=()
    if [[ ! -f $page ]]; then
        echo "not ok man-$name: no page $(basename "$page")"
        failed=1
        return
    fi
    local have want
    want=$(help_flags <<<"$help")
    have=$(page_flags "$page")
    local f
    for f in $(comm -23 <(echo "$want") <(echo "$have")); do problems+=("missing $f"); done
    for f in $(comm -13 <(echo "$want") <(echo "$have")); do problems+=("documents $f, which --help does not list"); done
    if [[ ${#problems[@]} -eq 0 ]]; then
        echo "ok man-$name"
    else
        local joined
        joined=$(printf '%s; ' "${problems[@]}")
        echo "not ok man-$name: ${joined%; }"
        failed=1
    fi
}

top=$("$moat" --help)
check moat "$here/moat.8.scd" "$top"

commands=$(sed -n '/^commands:/,/^$/p' <<<"$top" | awk 'NR > 1 && NF { print $1 }')
for cmd in $commands; do
    case $cmd in
        resume) page=$here/moat-pause.8.scd ;;
        sandbox) page=$here/moat-sandbox.1.scd ;;
        *) page=$here/moat-$cmd.8.scd ;;
    esac
    # The overview lists every command.
    if ! grep -qE "^\*$cmd\*|^\*[a-z]+\*, \*$cmd\*" "$here/moat.8.scd"; then
        echo "not ok man-moat-commands: moat(8) does not list $cmd"
        failed=1
    fi
    check "$cmd" "$page" "$("$moat" "$cmd" --help)"
done

exit $failed
