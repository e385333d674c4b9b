# anomaly-fin-ack-lost-wave4: what ss -tano said at the end of anomaly-fin-ack-lost-wave4.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339620.203269
# router drops the client's final ACK (wave 4) once; server route rto_min 30s; ss taken 65 s after that ACK: TIME-WAIT was restarted by the repeated FIN
client 10.0.1.2:40141 10.0.2.2:8080 TIME-WAIT timer:(timewait,26sec,0)
server 10.0.2.2:8080 10.0.1.2:40141 CLOSED
