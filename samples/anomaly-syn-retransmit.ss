# anomaly-syn-retransmit: what ss -tano said at the end of anomaly-syn-retransmit.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339400.066121
# router drops the client's first SYN once
client 10.0.1.2:40103 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40103 CLOSED
