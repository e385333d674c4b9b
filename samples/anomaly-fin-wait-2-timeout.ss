# anomaly-fin-wait-2-timeout: what ss -tano said at the end of anomaly-fin-wait-2-timeout.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339442.306882
# client tcp_fin_timeout=3; server closes 6 s after the client
analyze-options --timer fin-wait-2=3
client 10.0.1.2:40109 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40109 CLOSED
