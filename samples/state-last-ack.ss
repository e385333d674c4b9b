# state-last-ack: what ss -tano said at the end of state-last-ack.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339774.090548
# router drops every bare ACK from the client after wave 2; ss taken 1.5 s after the server FIN
client 10.0.1.2:40204 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40204 LAST-ACK timer:(on,140ms,2)
