# anomaly-close-wait-stuck: what ss -tano said at the end of anomaly-close-wait-stuck.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339425.133408
# server read EOF and did not close for 7 s
client 10.0.1.2:40107 10.0.2.2:8080 FIN-WAIT-2 timer:(timewait,53sec,0)
server 10.0.2.2:8080 10.0.1.2:40107 CLOSE-WAIT
