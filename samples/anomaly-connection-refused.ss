# anomaly-connection-refused: what ss -tano said at the end of anomaly-connection-refused.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339416.917847
client 10.0.1.2:40005 10.0.2.2:9 CLOSED
server 10.0.2.2:9 10.0.1.2:40005 CLOSED
