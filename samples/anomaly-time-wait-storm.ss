# anomaly-time-wait-storm: what ss -tano said at the end of anomaly-time-wait-storm.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339539.109158
# 1200 connections from ports 41000-42199, server closes each at once
client 10.0.1.2:42199 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:42199 TIME-WAIT timer:(timewait,59sec,0)
