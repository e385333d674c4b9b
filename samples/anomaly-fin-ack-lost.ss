# anomaly-fin-ack-lost: what ss -tano said at the end of anomaly-fin-ack-lost.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339396.882710
# router drops the server's ACK of the client FIN (wave 2) once
client 10.0.1.2:40102 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40102 CLOSED
