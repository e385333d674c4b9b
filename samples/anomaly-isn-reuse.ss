# anomaly-isn-reuse: what ss -tano said at the end of anomaly-isn-reuse.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339553.889554
# 48 MB in the first incarnation (MTU 65000), second incarnation on the same 4-tuple right after; the lines are about the second
client 10.0.1.2:40140 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40140 CLOSED
