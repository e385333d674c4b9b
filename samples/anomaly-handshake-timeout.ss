# anomaly-handshake-timeout: what ss -tano said at the end of anomaly-handshake-timeout.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339415.191396
# router drops every SYN-ACK; client tcp_syn_retries=2 tcp_syn_linear_timeouts=0, server tcp_synack_retries=2; snapshot once the server's SYN-RECV is gone too
analyze-options --timer syn-give-up=7 --timer synack-give-up=7
client 10.0.1.2:40106 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40106 CLOSED
