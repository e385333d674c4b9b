# late-synack: what ss -tano said at the end of late-synack.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1796428417.952491
# router: user-space delay line, 300 ms each way (no sch_netem here)
# client connect() timeout 0.2 s, closed at once; the SYN-ACK arrives 0.6 s after the SYN and meets no socket
client 10.0.1.2:40120 10.0.2.2:8080 CLOSED
server 10.0.2.2:8080 10.0.1.2:40120 CLOSED
