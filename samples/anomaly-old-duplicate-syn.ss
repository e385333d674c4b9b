# anomaly-old-duplicate-syn: what ss -tano said at the end of anomaly-old-duplicate-syn.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339549.414130
# router drops the real first SYN; scapy sends an old SYN (other ISN) from the same port; the client kernel answers the SYN-ACK with RST, then its retransmitted SYN connects
client 10.0.1.2:40132 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40132 CLOSED
