# anomaly-port-reuse-in-time-wait: what ss -tano said at the end of anomaly-port-reuse-in-time-wait.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339527.667600
# two incarnations of one 4-tuple 0.7 s apart; the lines are about the second
client 10.0.1.2:40117 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40117 CLOSED
