#!/bin/sh
# Every example in every manual page runs, so the pages cannot lie.
#
# An example is a line "$ COMMAND" (or "# COMMAND", run as root) in a
# literal display.  Each page's examples run in order, in a directory where
# samples/ is the source tree's, with $TCPMORTEM_DB a fresh database that
# already holds samples/anomaly-fin-lost.pcap (capture 1, flow 1).  Every
# example must exit 0.  Live capture needs an interface and root: those
# examples are checked for their options only (run with --help appended),
# and a database they would write is seeded with the prepared one.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
mkdir "$tmp/bin"
printf '#!/bin/sh\nexec "%s" "$@"\n' "$TCPMORTEM" > "$tmp/bin/tcpmortem"
chmod +x "$tmp/bin/tcpmortem"
ln -s "$top_srcdir/samples" "$tmp/samples"
PATH="$tmp/bin:$PATH"
export PATH
fail=0 ran=0
for page in "$top_srcdir"/man/*.[1-8]; do
	name=$(basename "$page")
	examples=$(awk '/^\.Bd -literal/ { lit = 1; next } /^\.Ed/ { lit = 0 }
	    lit && /^[$#] tcpmortem / { print substr($0, 3) }' "$page")
	[ -n "$examples" ] || continue
	db="$tmp/$name.db"
	rm -f "$tmp"/*.db*
	(cd "$tmp" && TCPMORTEM_DB="$db" tcpmortem analyze -q samples/anomaly-fin-lost.pcap) || exit 99
	# a database an example names (-d web.db) stands for what a capture
	# example, only syntax-checked here, would have written
	for named in $(echo "$examples" | grep -o -- '-d [^ ]*\.db' | cut -c4- | sort -u); do
		cp "$db" "$tmp/$named"
	done
	echo "$examples" | while IFS= read -r cmd; do
		case "$cmd" in
		"tcpmortem capture "*) cmd="$cmd --help" ;;
		esac
		if (cd "$tmp" && TCPMORTEM_DB="$db" sh -c "$cmd") >"$tmp/out" 2>&1; then
			echo "ok $name: $cmd"
		else
			echo "FAIL $name: $cmd"
			sed 's/^/    /' "$tmp/out" | head -5
			echo fail >> "$tmp/failed"
		fi
	done
	ran=$((ran + 1))
done
[ -f "$tmp/failed" ] && exit 1
[ "$ran" -gt 0 ] || { echo "no examples found"; exit 1; }
exit 0
