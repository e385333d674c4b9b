# anomaly-port-exhaustion-risk: what ss -tano said at the end of anomaly-port-exhaustion-risk.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339622.421614
# client ip_local_port_range 40000-40999; 950 connections to 10.0.2.2:8080, client closes each first: 950 of 1000 ports in TIME-WAIT
analyze-options --timer ephemeral-low=40000 --timer ephemeral-high=40999
client 10.0.1.2:40791 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40791 CLOSED
