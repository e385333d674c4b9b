# anomaly-synack-retransmit: what ss -tano said at the end of anomaly-synack-retransmit.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339403.010291
# router drops the server's first SYN-ACK once
client 10.0.1.2:40104 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40104 CLOSED
