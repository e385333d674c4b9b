# netns.sh: two network namespaces joined by a veth pair, for the tests
# that capture real connections (sourced by capture-live.sh and
# kill9-capture.sh; bash).
#
#   netns_pair TAG NET
#
# makes namespaces $NC (client, NET.1 on TAG-c) and $NS (server, NET.2 on
# TAG-s), loopback up in both, or skips the test (exit 77) where the
# machine cannot.  netns_remove deletes them; call it from the caller's
# EXIT trap, which also stops what it started.  The caller defines skip().

netns_pair() {
	local tag=$1 net=$2

	NC=$tag-client-$$
	NS=$tag-server-$$
	ip netns add "$NC" 2>/dev/null || skip "cannot create network namespaces here"
	ip netns add "$NS" || exit 99
	ip link add "$tag-c" netns "$NC" type veth peer name "$tag-s" netns "$NS" 2>/dev/null ||
		skip "cannot create a veth pair here"
	ip -n "$NC" addr add "$net.1/24" dev "$tag-c" && ip -n "$NC" link set "$tag-c" up &&
		ip -n "$NC" link set lo up &&
		ip -n "$NS" addr add "$net.2/24" dev "$tag-s" && ip -n "$NS" link set "$tag-s" up &&
		ip -n "$NS" link set lo up || exit 99
}

netns_remove() {
	[ -n "${NC:-}" ] && ip netns del "$NC" 2>/dev/null
	[ -n "${NS:-}" ] && ip netns del "$NS" 2>/dev/null
	return 0
}
