# anomaly-rst-after-time-wait: what ss -tano said at the end of anomaly-rst-after-time-wait.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339522.322677
# router drops every pure ACK from the client after wave 2; server route rto_min 61s, so its first FIN retransmission comes after the client's 60 s TIME-WAIT
client 10.0.1.2:40115 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40115 CLOSED
