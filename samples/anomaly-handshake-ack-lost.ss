# anomaly-handshake-ack-lost: what ss -tano said at the end of anomaly-handshake-ack-lost.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339406.515984
# router drops the client's third handshake ACK once
client 10.0.1.2:40105 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40105 CLOSED
