# anomaly-fin-lost: what ss -tano said at the end of anomaly-fin-lost.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339393.757843
# router drops the client's first FIN once
client 10.0.1.2:40101 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40101 CLOSED
