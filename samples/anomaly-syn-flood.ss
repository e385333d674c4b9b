# anomaly-syn-flood: what ss -tano said at the end of anomaly-syn-flood.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339537.409504
# 3000 SYNs from spoofed 10.0.9.1-250 in 2.9 s (replies routed to a sink), 5 real connections meanwhile; server tcp_synack_retries=1
client 10.0.1.2:40124 10.0.2.2:8080 TIME-WAIT timer:(timewait,56sec,0)
server 10.0.2.2:8080 10.0.1.2:40124 CLOSED
