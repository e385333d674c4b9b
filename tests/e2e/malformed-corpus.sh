#!/bin/sh
# malformed-corpus.sh: `tcpmortem analyze` on every capture of
# tests/data/pcapplusplus-fuzz (inputs that once crashed PcapPlusPlus'
# readers, see its README.md), one database each.  For each file:
#
#   - no sanitizer report (in the --enable-sanitizers build every report
#     stops the program with its own exit status, 86 or 87) and no signal;
#   - the exit status INTERFACE.md gives: 0 read whole, 1 damaged (what was
#     before the damage is stored) or frames it could not decode, 3 not a
#     capture libpcap can open; and the number of frames stored;
#   - nothing on standard error when 0, else exactly one line naming the
#     file and saying what is wrong (WORDS below).
#
# TSHARK is what tshark 4.0.17 made of the file (exit status 0: ok, else
# its complaint) with capinfos' packet count, for comparison.  The
# differences are explained: libpcap refuses version 2.8224 files that
# wiretap reads (3); libpcap reads a version 2.3 file's record lengths
# swapped, so 5766899836387328's one record is whole (0; tshark: cut
# short); link types 255 and 2105376 and an IPv6 header of version 2 are
# frames tcpmortem cannot decode (1) where tshark just shows bytes.
#
# Every file of the directory must have a line here, and every line a file.
: "${top_srcdir:?}" "${TCPMORTEM:?}"
command -v sqlite3 >/dev/null || { echo "SKIP: needs sqlite3"; exit 77; }
data=$(cd "$top_srcdir/tests/data/pcapplusplus-fuzz" && pwd) || exit 99
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:exitcode=86:detect_leaks=1
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87
export ASAN_OPTIONS UBSAN_OPTIONS
fail=0 n=0
: >"$tmp/listed"
while read -r file want stored tshark words; do
	case "$file" in ''|'#'*) continue ;; esac
	echo "$file" >>"$tmp/listed"
	n=$((n + 1))
	rm -f "$tmp"/t.db*
	"$TCPMORTEM" analyze -q -d "$tmp/t.db" "$data/$file" >/dev/null 2>"$tmp/err"
	got=$?
	have=$(sqlite3 "$tmp/t.db" "SELECT coalesce(sum(packets), '-') FROM captures" 2>/dev/null)
	[ -n "$have" ] || have=-
	lines=$(grep -c '' "$tmp/err")
	if grep -q -e 'Sanitizer' -e 'runtime error:' "$tmp/err" || [ "$got" -ge 86 ]; then
		echo "FAIL $file: exit $got, a sanitizer report or a signal:"
		head -20 "$tmp/err"
		fail=1
	elif [ "$got" != "$want" ] || [ "$have" != "$stored" ]; then
		echo "FAIL $file: exit $got (want $want), stored $have (want $stored); tshark: $tshark: $(cat "$tmp/err")"
		fail=1
	elif [ "$want" = 0 ] && [ "$lines" != 0 ]; then
		echo "FAIL $file: exit 0 with an error: $(cat "$tmp/err")"
		fail=1
	elif [ "$want" != 0 ] && { [ "$lines" != 1 ] || ! grep -q "^tcpmortem: $data/$file: .*$words" "$tmp/err"; }; then
		echo "FAIL $file: the error must be one line naming the file and '$words': $(cat "$tmp/err")"
		fail=1
	else
		echo "ok $file: exit $got, stored $have (tshark: $tshark)"
	fi
done <<'CASES'
# file                                                                  exit stored tshark      words
047c56c3504ad04232497c903af06c0bc4b5c6f73927ad07cde79cfa28d94f8b.pcapng  0    1  ok/1          -
1eb005b8d62599b6561acf7e778f51603ccbc5ddf948c0b081617668bb56cee4.pcapng  0    9  ok/9          -
39d92632b6a92f1c682c052febfbc74b0561536687be3b7ce7b9508e8b9726d6.pcapng  0    1  ok/1          -
6f6fd63a9a6d8dd1a206eff00c915ed4b643034dad7e9986fd89a43244d6be97.pcapng  0    1  ok/1          -
6fda21d7ebaa0391434f17eecf25b1d7c58633f96b6906183c626cbdfc35b325.pcapng  0    1  ok/1          -
a7a658b6e51576eafe7990dbc35c5bfff991d914c9ead914e26e3bfc3e88221c.pcapng  0    1  ok/1          -
adb739b5829aacedbec6cf3969413997d23b6f2e3350ddf0b1cc3b4d1c335a95.pcapng  0    1  ok/1          -
clusterfuzz-testcase-FuzzTarget-5188876846235648.pcap                    1    1  corrupt/-     frame 2: invalid packet capture
clusterfuzz-testcase-FuzzTarget-5781142119907328.pcap                    1    1  corrupt/-     frame 2: invalid packet capture
clusterfuzz-testcase-FuzzTarget-6207688043397120.pcap                    1    1  cut-short/1   frame 2: the file ends
clusterfuzz-testcase-minimized-FuzzTarget-4672344017862656.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-4683685084594176.pcap          3    -  ok/1          unsupported pcap savefile version 2.8224
clusterfuzz-testcase-minimized-FuzzTarget-4829420752470016.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-4981601846820864.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5114733584449536.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5165538295939072.pcap          1    1  corrupt/-     frame 2: invalid packet capture
clusterfuzz-testcase-minimized-FuzzTarget-5165927376355328.pcap          1    1  cut-short/1   frame 2: the file ends
clusterfuzz-testcase-minimized-FuzzTarget-5196221831708672.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5204104585674752.pcap          1    1  corrupt/-     frame 2: invalid packet capture
clusterfuzz-testcase-minimized-FuzzTarget-5421416466481152.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5468403752632320.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5487001111429120.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5631583764873216.pcap          1    1  unsupported/- frame 1: link type 2105376
clusterfuzz-testcase-minimized-FuzzTarget-5643903448645632.pcap          1    1  cut-short/1   frame 2: the file ends
clusterfuzz-testcase-minimized-FuzzTarget-5654053026791424.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5669109772845056.pcap          1    1  ok/1          frame 1: link type 255
clusterfuzz-testcase-minimized-FuzzTarget-5685520970809344.pcap          1    1  unsupported/- frame 2: the file ends
clusterfuzz-testcase-minimized-FuzzTarget-5696447256461312.pcap          1    2  cut-short/2   frame 3: the file ends
clusterfuzz-testcase-minimized-FuzzTarget-5700358767902720.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5716696466980864.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5717750942269440.pcap          1    2  corrupt/-     frame 3: invalid packet capture
clusterfuzz-testcase-minimized-FuzzTarget-5723611632762880.pcap          1    1  corrupt/-     frame 2: invalid packet capture
clusterfuzz-testcase-minimized-FuzzTarget-5752969003008000.pcap          1    1  unsupported/- frame 2: the file ends
clusterfuzz-testcase-minimized-FuzzTarget-5755755617189888.pcap          1    2  corrupt/-     frame 3: invalid packet capture
clusterfuzz-testcase-minimized-FuzzTarget-5757531338309632.pcap          1    1  cut-short/1   frame 2: the file ends
clusterfuzz-testcase-minimized-FuzzTarget-5758569646653440.pcap          1    1  corrupt/-     frame 2: invalid packet capture
clusterfuzz-testcase-minimized-FuzzTarget-5766899836387328.pcap          0    1  cut-short/0   -
clusterfuzz-testcase-minimized-FuzzTarget-5766939894087680.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-5814090897948672.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-6185045124251648.pcap          3    -  ok/1          unsupported pcap savefile version 2.8224
clusterfuzz-testcase-minimized-FuzzTarget-6223613626941440.pcap          1    1  ok/1          frame 1: IPv6 version field
clusterfuzz-testcase-minimized-FuzzTarget-6303070823907328.pcap          0    1  ok/1          -
clusterfuzz-testcase-minimized-FuzzTarget-6604968558198784.pcap          0    1  ok/1          -
crash-63a98d125029876ba4f2e75550382ceffbb251e2.pcap                      0    1  ok/1          -
crash-81dba690a3f67ee41a41390a625db732fa1413a1.pcap                      1   11  cut-short/11  frame 12: the file ends
crash-8534c61cdf5987482365d7877ade12eef5aaf8b7.pcap                      1    2  cut-short/2   frame 3: the file ends
crash-eec28dafde1f1ac2299674a75a914ae16d4046fa.pcap                      1    1  corrupt/-     frame 2: invalid packet capture
crash-exception-cast-constructed-record.pcap                             1    2  cut-short/1   frame 3: invalid packet capture
crash-invalid-asn-record-len.pcap                                        1    1  cut-short/1   frame 2: the file ends
crash-null-deref-pcapng-shb.bin                                          3    -  corrupt/-     not a pcap or pcapng
crash-pcapng-epb-unbounded-length.pcapng                                 1    0  corrupt/-     frame 1: invalid packet capture
e0c0f8fea6e931d9671384a66f4e1ab02d84e27a5f091e9c7b1fce89d9c18837.pcapng  0    1  ok/1          -
ec4b17a4e7b994548f03ae05d8d8924a515a236892959f3300e1c9e8a9c56ba7.pcapng  0    1  ok/1          -
igmplayer.pcap                                                           1    2  cut-short/2   frame 3: invalid packet capture
radiuslayer.pcap                                                         1    5  corrupt/-     frame 6: invalid packet capture
CASES
for f in "$data"/*; do
	case "$f" in *.md) continue ;; esac
	grep -qx "$(basename "$f")" "$tmp/listed" || { echo "FAIL $(basename "$f"): not in the table"; fail=1; }
done
while read -r f; do
	[ -e "$data/$f" ] || { echo "FAIL $f: in the table, not in $data"; fail=1; }
done <"$tmp/listed"
echo "$n captures analysed"
exit $fail
