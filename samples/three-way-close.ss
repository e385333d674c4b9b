# three-way-close: what ss -tano said at the end of three-way-close.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339391.414642
client 10.0.1.2:40011 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40011 CLOSED
