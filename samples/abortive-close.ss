# abortive-close: what ss -tano said at the end of abortive-close.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339373.514009
client 10.0.1.2:40004 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40004 CLOSED
