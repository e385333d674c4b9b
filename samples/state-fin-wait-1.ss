# state-fin-wait-1: what ss -tano said at the end of state-fin-wait-1.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339771.201200
# router drops every bare ACK from the server after the exchange; ss taken 1.5 s after the FIN
client 10.0.1.2:40203 10.0.2.2:8080 FIN-WAIT-1 timer:(on,144ms,2)
server 10.0.2.2:8080 10.0.1.2:40203 CLOSE-WAIT
