# anomaly-simultaneous-open: what ss -tano said at the end of anomaly-simultaneous-open.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339530.133016
# router: user-space delay line, 50 ms each way (no sch_netem here)
client 10.0.1.2:40112 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40112 CLOSED
