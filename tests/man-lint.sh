#!/bin/sh
# Every manual page passes mandoc's lint with no warning.
command -v mandoc >/dev/null 2>&1 || { echo "SKIP: mandoc is not installed"; exit 77; }
status=0
for page in "$top_srcdir"/man/*.[1-8]; do
	out=$(mandoc -T lint -W warning "$page" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		status=1
	else
		echo "ok: $(basename "$page")"
	fi
done
exit $status
