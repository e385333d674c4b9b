#!/bin/sh
# The example detector builds on its own as tcpmortem-detector(7) says, and
# `tcpmortem plugins` loads it from --plugin-dir ahead of the build tree's.
command -v cc >/dev/null 2>&1 || { echo "SKIP: no cc to build the example"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
cc -std=c11 -Wall -Wextra -Werror -shared -fPIC -I"$top_srcdir/include" \
    -o "$dir/example.so" "$top_srcdir/plugins/example.c" || exit 1
out=$("$TCPMORTEM" plugins --plugin-dir "$dir" -o json) || exit 1
echo "$out" | grep -q "\"name\":\"example\",\"file\":\"$dir/example.so\"" || {
	echo "example not loaded from $dir:"; echo "$out"; exit 1; }
echo "$out" | grep -q '"kinds":\["zero-window"\]' || exit 1
# an unknown option and an unknown kind are errors with exit status 2
"$TCPMORTEM" plugins --plugin-dir "$dir" --set nope=1 2>/dev/null; [ $? -eq 2 ] || exit 1
"$TCPMORTEM" plugins --disable nope 2>/dev/null; [ $? -eq 2 ] || exit 1
echo ok
