# anomaly-data-after-fin: what ss -tano said at the end of anomaly-data-after-fin.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339542.319210
# scapy: after the client's real FIN, one data segment beyond it is injected from the client
client 10.0.1.2:40130 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40130 CLOSED
