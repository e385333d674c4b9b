# state-syn-sent: what ss -tano said at the end of state-syn-sent.pcap
# format: SIDE LOCAL PEER SS-STATE [ss timer]; CLOSED = ss listed nothing
snapshot 1795339768.366756
# router drops every SYN-ACK; ss taken 2.5 s after the first SYN
client 10.0.1.2:40202 10.0.2.2:8080 SYN-SENT timer:(on,540ms,2)
server 10.0.2.2:8080 10.0.1.2:40202 SYN-RECV timer:(on,1.528ms,3)
