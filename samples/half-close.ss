# half-close: what ss -tano said at the end of half-close.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339842.660370
client 10.0.1.2:40003 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40003 CLOSED
