# ipv6: what ss -tano said at the end of ipv6.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339383.625200
client [2001:db8:1::2]:40001 [2001:db8:2::2]:8080 TIME-WAIT timer:(timewait,59sec,0)
server [2001:db8:2::2]:8080 [2001:db8:1::2]:40001 CLOSED
