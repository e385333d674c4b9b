# anomaly-time-wait-assassination: what ss -tano said at the end of anomaly-time-wait-assassination.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339524.953627
# client tcp_rfc1337=0; scapy sends one stale server segment to the TIME-WAIT client, its ACK meets no socket on the server, whose RST ends TIME-WAIT
client 10.0.1.2:40116 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40116 CLOSED
