# anomaly-abortive-close: what ss -tano said at the end of anomaly-abortive-close.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339451.538003
client 10.0.1.2:40004 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40004 CLOSED
