# anomaly-rst-injection-suspect: what ss -tano said at the end of anomaly-rst-injection-suspect.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339546.113466
# scapy: a RST 1 GB outside the server's window, as if from the client; the connection goes on
client 10.0.1.2:40131 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40131 CLOSED
