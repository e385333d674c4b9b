# state-established: what ss -tano said at the end of state-established.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339825.701173
client 10.0.1.2:40201 10.0.2.2:8080 ESTAB
server 10.0.2.2:8080 10.0.1.2:40201 ESTAB
