# anomaly-syn-with-data: what ss -tano said at the end of anomaly-syn-with-data.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339456.853996
# tcp_fastopen=3 both ends; first connection fetches the cookie, second sends data in its SYN
client 10.0.1.2:40114 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40114 CLOSED
