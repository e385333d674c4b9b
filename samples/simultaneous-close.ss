# simultaneous-close: what ss -tano said at the end of simultaneous-close.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339378.181041
# router: user-space delay line, 50 ms each way (no sch_netem here)
client 10.0.1.2:40006 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40006 TIME-WAIT timer:(timewait,59sec,0)
