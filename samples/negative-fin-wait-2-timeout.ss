# negative-fin-wait-2-timeout: what ss -tano said at the end of negative-fin-wait-2-timeout.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339449.833653
# client tcp_fin_timeout=3 but shutdown(SHUT_WR), not close(): FIN-WAIT-2 has no timeout
analyze-options --timer fin-wait-2=3
client 10.0.1.2:40110 10.0.2.2:8080 TIME-WAIT timer:(timewait,59sec,0)
server 10.0.2.2:8080 10.0.1.2:40110 CLOSED
