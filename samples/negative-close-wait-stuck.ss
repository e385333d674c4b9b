# negative-close-wait-stuck: what ss -tano said at the end of negative-close-wait-stuck.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339434.887509
# legitimate half-close: server in CLOSE-WAIT 8 s while sending
client 10.0.1.2:40108 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40108 CLOSED
