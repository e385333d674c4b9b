# state-closing: what ss -tano said at the end of state-closing.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339796.241919
# router: user-space delay line, 50 ms each way (no sch_netem here)
# once both close() calls are made the delay line passes only the first FIN each way; ss taken 1.5 s later
client 10.0.1.2:40205 10.0.2.2:8080 CLOSING timer:(on,1.024ms,2)
server 10.0.2.2:8080 10.0.1.2:40205 CLOSING timer:(on,996ms,2)
