# refused: what ss -tano said at the end of refused.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339375.389053
client 10.0.1.2:40005 10.0.2.2:9 CLOSED
server 10.0.2.2:9 10.0.1.2:40005 CLOSED
