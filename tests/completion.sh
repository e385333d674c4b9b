#!/bin/bash
# The bash completion offers subcommands, options and the spellings of
# states and kinds.
command -v bash >/dev/null || { echo "SKIP: no bash"; exit 77; }
: "${top_srcdir:?}"
source "$top_srcdir/contrib/bash-completion/tcpmortem" || exit 1
complete_line() { COMP_WORDS=("$@"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=(); _tcpmortem; echo "${COMPREPLY[*]}"; }
fail=0
check() { want=$1; shift; got=$(complete_line "$@"); [ "$got" = "$want" ] && echo "ok: $* -> $got" || { echo "FAIL: $* -> '$got', want '$want'"; fail=1; }; }
check "analyze anomalies" tcpmortem an
check "TIME-WAIT" tcpmortem flows --state TIME
check "fin-lost fin-ack-lost fin-wait-2-timeout" tcpmortem flows --kind fin-
check "--close --closer" tcpmortem flows --clos
check "json" tcpmortem anomalies -o j
check "no-answer" tcpmortem flows --handshake no
exit $fail
