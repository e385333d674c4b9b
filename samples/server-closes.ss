# server-closes: what ss -tano said at the end of server-closes.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339840.350373
client 10.0.1.2:40002 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40002 TIME-WAIT timer:(timewait,59sec,0)
