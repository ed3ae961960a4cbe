#!/usr/bin/env python3
"""Compare rasflow's nDPI verdicts with nDPI's own expected results.

For every $RASFLOW_SHARED/pcaps/public/ndpi-*.pcap* with a non-empty .out
file (nDPI's regression oracle, written by a newer ndpiReader, 4.11-dev), run
tools/appdump (capture -> engine -> DPI hooks, as `rasflow analyze` wires
them) and compare, for every flow both list (matched by protocol and the two
endpoints in either direction), the application name and whether it was
detected by inspection, only guessed (port/address) or not known at all.

rasflow links Debian's nDPI 4.2, which answers differently from the newer
nDPI on some flows. Those differences are nDPI's, not rasflow's: JUSTIFIED
lists each one with what nDPI 4.2's own ndpiReader says. A difference is
justified only when rasflow's answer is exactly that. Anything else is
unexplained and fails the test.

When nDPI 4.2's ndpiReader is installed (Debian package libndpi-bin), the
test also runs it on every capture and checks that rasflow agrees with it on
every flow both list, and that each JUSTIFIED row is still what it says.
`check_ndpi_out.py --print-justified` prints the table from a live run.

Flows that rasflow and ndpiReader cut differently (ndpiReader keys flows on
the VLAN id too; rasflow ends idle UDP flows and reused TCP tuples) show up
as a different number of flows for the same tuple: those are compared by the
set of distinct known answers on each side.

Exit 0 on success, 1 on an unexplained difference, 77 when the shared
captures or the appdump tool are absent.
"""
import collections
import glob
import ipaddress
import os
import re
import shutil
import subprocess
import sys

PROTOS = {'TCP': 6, 'UDP': 17, 'ICMP': 1, 'ICMPV6': 58, 'VRRP': 112, 'IGMP': 2}
# "\t1\tTCP 1.2.3.4:5 <-> [fe80::1]:6 [VLAN: 7][proto: 91.212/TLS.Microsoft]..."
LINE = re.compile(r'^\t\d+\t(\S+) (\[[^\]]+\]|[^\s\[]+?):(\d+) (?:<->|->) '
                  r'(\[[^\]]+\]|[^\s\[]+?):(\d+) (.*)$')
PROTO = re.compile(r'\[proto: (?:[^/\]]*:)?[\d.]+/([^\]]+)\]')  # optional "GTP:" tunnel prefix
CONF = re.compile(r'\]\[Confidence: ([^\]]+)\]')  # the flow's own, not "[FPC: ..., Confidence: ]"
# "flow 6 10.0.0.1:5000 [fd00::1]:443 TLS.Microsoft detected 12"
OURS = re.compile(r'^flow (\d+) (\S+):(\d+) (\S+):(\d+) (\S+) (none|guessed|detected) \d+$')

# Differences from the .out files that nDPI 4.2 itself has:
# (capture, flow, .out's answer, rasflow's = nDPI 4.2's answer, reason).
# A flow is "PROTO A:PORT B:PORT" with the endpoints sorted; an answer is
# "NAME/state" (state: detected, guessed, none), several joined by ",".
JUSTIFIED = [
    ('ndpi-KakaoTalk_chat.pcap', '6 10.24.82.188:34686 173.194.72.188:5228',
     'TLS/detected', 'TLS.Google/guessed',
     'nDPI 4.2 says TLS.Google/guessed: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-KakaoTalk_chat.pcap', '6 10.24.82.188:35922 216.58.221.10:80',
     'HTTP/guessed', 'HTTP.Google/guessed',
     'nDPI 4.2 says HTTP.Google/guessed: sub-protocol from host/IP lists or dissector changed (newer nDPI: HTTP)'),
    ('ndpi-KakaoTalk_chat.pcap', '6 10.24.82.188:47007 31.13.68.73:443',
     'TLS/detected', 'TLS.Facebook/guessed',
     'nDPI 4.2 says TLS.Facebook/guessed: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-KakaoTalk_chat.pcap', '6 10.24.82.188:49217 216.58.220.174:443',
     'TLS/detected', 'TLS.Google/guessed',
     'nDPI 4.2 says TLS.Google/guessed: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-KakaoTalk_chat.pcap', '6 10.24.82.188:58927 54.255.253.199:5223',
     'TLS/detected', 'TLS.AmazonAWS/guessed',
     'nDPI 4.2 says TLS.AmazonAWS/guessed: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-KakaoTalk_chat.pcap', '6 10.24.82.188:58964 54.255.253.199:5223',
     'TLS/detected', 'TLS.AmazonAWS/detected',
     'nDPI 4.2 says TLS.AmazonAWS/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-anydesk.pcapng', '6 192.168.1.128:48260 195.181.174.176:443',
     'TLS.AnyDesk/detected', 'TLS/detected',
     'nDPI 4.2 says TLS/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS.AnyDesk)'),
    ('ndpi-anydesk.pcapng', '6 192.168.149.129:36351 51.83.239.144:80',
     'TLS/detected', 'HTTP.AnyDesk/guessed',
     'nDPI 4.2 says HTTP.AnyDesk/guessed: dissectors changed (newer nDPI: TLS)'),
    ('ndpi-citrix.pcap', '6 21.0.0.8:45225 22.0.0.7:1494',
     'Citrix/detected', 'Citrix/guessed',
     'nDPI 4.2 says Citrix/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-custom_rules_ipv6.pcapng', '17 21bc:b273:7f68:88d7:77a8:585:3990:927b:1991 247f:855b:5e16:3caf:3f2c:4134:9592:661b:100',
     'CustomProtocolE/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: CustomProtocolE comes from the custom rules file (-p protos.txt) the .out run loaded; rasflow and this ndpiReader 4.2 run load none'),
    ('ndpi-custom_rules_ipv6.pcapng', '17 21bc:b273:7f68:88d7:77a8:585:3990:927b:50621 247f:855b:5e16:3caf:3f2c:4134:9592:661b:36098',
     'CustomProtocolF/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: CustomProtocolF comes from the custom rules file (-p protos.txt) the .out run loaded; rasflow and this ndpiReader 4.2 run load none'),
    ('ndpi-custom_rules_ipv6.pcapng', '17 3ffe:501:4819::42:5333 3ffe:507:0:1:200:86ff:fe05:80da:21554',
     'CustomProtocolD/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: CustomProtocolD comes from the custom rules file (-p protos.txt) the .out run loaded; rasflow and this ndpiReader 4.2 run load none'),
    ('ndpi-custom_rules_ipv6.pcapng', '17 fe80::76ac:b9ff:fe6c:c124:12717 ff02::1:64315',
     'CustomProtocolG/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: CustomProtocolG comes from the custom rules file (-p protos.txt) the .out run loaded; rasflow and this ndpiReader 4.2 run load none'),
    ('ndpi-custom_rules_ipv6.pcapng', '17 fe80::76ac:b9ff:fe6c:c124:12718 ff02::1:26993',
     'CustomProtocolH/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: CustomProtocolH comes from the custom rules file (-p protos.txt) the .out run loaded; rasflow and this ndpiReader 4.2 run load none'),
    ('ndpi-custom_rules_ipv6.pcapng', '17 fe80::76ac:b9ff:fe6c:c124:12719 ff02::1:26993',
     'CustomProtocolI/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: CustomProtocolI comes from the custom rules file (-p protos.txt) the .out run loaded; rasflow and this ndpiReader 4.2 run load none'),
    ('ndpi-dcerpc.pcap', '17 192.168.1.11:34964 192.168.1.20:49162',
     'DCERPC.PROFINET_IO/detected', 'DCE_RPC/detected',
     'nDPI 4.2 says DCE_RPC/detected: dissectors changed (newer nDPI: DCERPC.PROFINET_IO)'),
    ('ndpi-dcerpc.pcap', '17 192.168.1.11:49154 192.168.1.20:49162',
     'DCERPC.PROFINET_IO/detected', 'DCE_RPC/detected',
     'nDPI 4.2 says DCE_RPC/detected: dissectors changed (newer nDPI: DCERPC.PROFINET_IO)'),
    ('ndpi-dcerpc.pcap', '17 192.168.1.11:49155 192.168.1.20:34964',
     'DCERPC.PROFINET_IO/detected', 'DCE_RPC/detected',
     'nDPI 4.2 says DCE_RPC/detected: dissectors changed (newer nDPI: DCERPC.PROFINET_IO)'),
    ('ndpi-dcerpc.pcap', '17 192.168.1.11:49155 192.168.1.20:49161',
     'DCERPC.PROFINET_IO/detected', 'DCE_RPC/detected',
     'nDPI 4.2 says DCE_RPC/detected: dissectors changed (newer nDPI: DCERPC.PROFINET_IO)'),
    ('ndpi-dns-google-nsid.pcapng', '17 192.168.1.29:51166 8.8.4.4:53',
     'DNS/detected', 'DNS.Google/detected',
     'nDPI 4.2 says DNS.Google/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: DNS)'),
    ('ndpi-dns_fragmented.pcap', '17 172.217.40.76:56680 193.24.227.238:53',
     'DNS/detected', 'DNS.Google/detected',
     'nDPI 4.2 says DNS.Google/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: DNS)'),
    ('ndpi-dns_fragmented.pcap', '17 173.194.169.104:59464 193.24.227.238:53',
     'DNS/detected', 'DNS.Google/detected',
     'nDPI 4.2 says DNS.Google/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: DNS)'),
    ('ndpi-dns_fragmented.pcap', '17 193.24.227.238:53 74.125.47.136:59330',
     'DNS/detected', 'DNS.Google/detected',
     'nDPI 4.2 says DNS.Google/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: DNS)'),
    ('ndpi-dns_long_domainname.pcap', '17 192.168.1.168:65311 8.8.8.8:53',
     'DNS/detected', 'DNS.Google/detected',
     'nDPI 4.2 says DNS.Google/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: DNS)'),
    ('ndpi-fuzz-2006-06-26-2594.pcap', '17 192.168.1.2:30000 214.242.33.36:40392',
     'Unknown/none', 'RTP/detected',
     'nDPI 4.2 says RTP/detected: newer nDPI no longer reports it'),
    ('ndpi-fuzz-2006-06-26-2594.pcap', '17 192.168.1.2:30000 37.115.0.36:40392',
     'Unknown/none', 'RTP/detected',
     'nDPI 4.2 says RTP/detected: newer nDPI no longer reports it'),
    ('ndpi-fuzz-2006-06-26-2594.pcap', '17 192.168.1.3:30000 212.242.33.36:40392',
     'Unknown/none', 'RTP/detected',
     'nDPI 4.2 says RTP/detected: newer nDPI no longer reports it'),
    ('ndpi-fuzz-2006-06-26-2594.pcap', '17 212.242.33.36:40392 81.168.1.2:30000',
     'Unknown/none', 'RTP/detected',
     'nDPI 4.2 says RTP/detected: newer nDPI no longer reports it'),
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.2.13:80 172.20.3.5:2607',
     'HTTP/detected', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.3.13:53132 172.20.3.1:80',
     'HTTP/detected', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.3.13:53136 172.70.3.5:80',
     'HTTP/guessed', 'HTTP.Cloudflare/guessed',
     'nDPI 4.2 says HTTP.Cloudflare/guessed: sub-protocol from host/IP lists or dissector changed (newer nDPI: HTTP)'),
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.3.13:80 172.20.3.5:2603',
     'HTTP/detected', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.3.13:80 172.20.72.5:2606',
     'HTTP/detected', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.3.13:80 44.20.3.5:2605',
     'HTTP/detected', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.3.13:81 172.20.3.5:2601',
     'HTTP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for HTTP'),
    ('ndpi-gaijin_warthunder.pcap', '17 185.253.20.249:20021 192.168.88.231:36929',
     'GaijinEntertainment/detected', 'RTP/detected',
     'nDPI 4.2 says RTP/detected: dissectors changed (newer nDPI: GaijinEntertainment)'),
    ('ndpi-gaijin_warthunder.pcap', '17 192.168.88.231:37333 95.211.246.178:20011',
     'GaijinEntertainment/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise GaijinEntertainment here'),
    ('ndpi-h323-overflow.pcap', '6 192.168.1.1:31337 192.168.1.2:80',
     'Unknown/none', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: newer nDPI no longer reports it'),
    ('ndpi-hls.pcapng', '6 10.215.173.1:41644 192.168.88.231:8080',
     'HTTP.HLS/detected', 'HTTP/detected',
     'nDPI 4.2 says HTTP/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: HTTP.HLS)'),
    ('ndpi-http-proxy.pcapng', '6 192.168.1.103:1241 192.168.1.146:8080',
     'HTTP_Proxy/detected', 'HTTP.HTTP_Proxy/detected',
     'nDPI 4.2 says HTTP.HTTP_Proxy/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: HTTP_Proxy)'),
    ('ndpi-http2.pcapng', '6 127.0.0.1:29518 127.0.0.1:37824',
     'HTTP2/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise HTTP2 here'),
    ('ndpi-http_asymmetric.pcapng', '6 192.168.1.103:1044 192.168.1.146:80',
     'HTTP/detected', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-http_ipv6.pcap', '17 2a00:1450:400b:c02::5f:443 2a00:d40:1:3:7aac:c0ff:fea7:d4c:55145',
     'QUIC/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for QUIC'),
    ('ndpi-http_ipv6.pcap', '6 2a00:1450:4001:803::1017:443 2a00:d40:1:3:7aac:c0ff:fea7:d4c:41776',
     'TLS/detected', 'TLS/guessed',
     'nDPI 4.2 says TLS/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-http_starting_with_reply.pcapng', '6 192.168.1.103:1044 192.168.1.146:80',
     'HTTP/detected', 'HTTP/guessed',
     'nDPI 4.2 says HTTP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-jsonrpc.pcap', '6 127.0.0.1:36646 127.0.0.1:8080',
     'JSON-RPC/detected', 'Mining/detected',
     'nDPI 4.2 says Mining/detected: dissectors changed (newer nDPI: JSON-RPC)'),
    ('ndpi-jsonrpc.pcap', '6 179.99.210.200:80 192.168.8.251:51084',
     'HTTP.JSON-RPC/detected', 'HTTP/detected',
     'nDPI 4.2 says HTTP/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: HTTP.JSON-RPC)'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 20ed:470f:6f73:ce60:60be:8b4f:df37:b080:45658 32fb:f967:681e:e96b:face:b00c:0:74fd:3478',
     'RTCP/detected', 'STUN/detected',
     'nDPI 4.2 says STUN/detected: dissectors changed (newer nDPI: RTCP)'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 2118:ec33:112b:7908:2c80:27ff:fef7:d71f:48415 32fb:f967:681e:e96b:face:b00c:0:74fd:3478',
     'STUN.WhatsAppCall/detected', 'STUN/detected',
     'nDPI 4.2 says STUN/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: STUN.WhatsAppCall)'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 2a2f:8509:1cb2:466d:ecbf:69d6:109c:608:62229 3991:72d:336e:65ec:c5bf:a5fa:83ad:23de:6881',
     'BitTorrent/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise BitTorrent here'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 2c7f:d7a0:44a9:49e9:e586:fb7f:5b85:9c83:1 3991:72d:336e:65ec:c5bf:a5fa:83ad:23de:6881',
     'BitTorrent/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise BitTorrent here'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 3024:e5ee:ac2f:cd76:5dd6:a7a1:f17f:5c27:60506 3991:72d:336e:65ec:c5bf:a5fa:83ad:23de:6881',
     'BitTorrent/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise BitTorrent here'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 3069:c624:1d42:9469:98b1:67ff:fe43:325:56131 32fb:f967:681e:e96b:face:b00c:0:74fd:3478',
     'STUN.WhatsAppCall/detected', 'STUN/detected',
     'nDPI 4.2 says STUN/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: STUN.WhatsAppCall)'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 3297:a1af:5121:cfc:360b:2e07:872f:1ea0:43865 32fb:f967:681e:e96b:face:b00c:0:74fd:3478',
     'STUN.WhatsAppCall/detected', 'STUN/detected',
     'nDPI 4.2 says STUN/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: STUN.WhatsAppCall)'),
    ('ndpi-lru_ipv6_caches.pcapng', '17 38b2:46b7:27a4:94c3:c134:948:e069:d71f:1 3991:72d:336e:65ec:c5bf:a5fa:83ad:23de:6881',
     'BitTorrent/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise BitTorrent here'),
    ('ndpi-nomachine.pcapng', '17 192.168.88.208:4000 192.168.88.231:56019',
     'NoMachine/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise NoMachine here'),
    ('ndpi-nomachine.pcapng', '6 192.168.88.208:4000 192.168.88.231:48084',
     'NoMachine/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise NoMachine here'),
    ('ndpi-ossfuzz_seed_fake_traces_1.pcapng', '17 127.0.0.1:100 127.0.0.1:200',
     'Unknown/none', 'Steam/detected',
     'nDPI 4.2 says Steam/detected: newer nDPI no longer reports it'),
    ('ndpi-ossfuzz_seed_fake_traces_1.pcapng', '17 127.0.0.1:1119 127.0.0.1:1120',
     'Protobuf/detected', 'Starcraft/detected',
     'nDPI 4.2 says Starcraft/detected: dissectors changed (newer nDPI: Protobuf)'),
    ('ndpi-quic_0RTT.pcap', '17 142.250.181.227:443 192.168.2.100:51972',
     'QUIC.Google/detected', 'Google/guessed',
     'nDPI 4.2 says Google/guessed: sub-protocol from host/IP lists or dissector changed (newer nDPI: QUIC.Google)'),
    ('ndpi-radius_false_positive.pcapng', '17 2bc6:b5ac:cb3b:676b::18:443 3dba:3762:c186:e122:89b0:5170:a86c:ecff:53129',
     'QUIC/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise QUIC here'),
    ('ndpi-radmin3.pcapng', '6 192.168.88.197:4899 192.168.88.208:49736',
     'Radmin/detected', 'Cassandra/detected',
     'nDPI 4.2 says Cassandra/detected: dissectors changed (newer nDPI: Radmin)'),
    ('ndpi-radmin3.pcapng', '6 192.168.88.197:4899 192.168.88.208:49739',
     'Radmin/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise Radmin here'),
    ('ndpi-rdp2.pcap', '17 10.50.181.210:60355 10.50.73.36:3389',
     'RDP/detected', 'RDP/guessed',
     'nDPI 4.2 says RDP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-rdp2.pcap', '17 192.168.122.181:54759 192.168.122.2:3389',
     'RDP/detected', 'RDP/guessed',
     'nDPI 4.2 says RDP/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-rdp_over_tls.pcap', '6 89.31.79.12:3389 91.238.181.21:35888',
     'TLS.RDP/detected', 'RDP/detected',
     'nDPI 4.2 says RDP/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS.RDP)'),
    ('ndpi-smb_frags.pcap', '6 10.202.211.125:54120 10.202.7.8:445',
     'NetBIOS.SMBv1/detected', 'SMBv23/guessed',
     'nDPI 4.2 says SMBv23/guessed: dissectors changed (newer nDPI: NetBIOS.SMBv1)'),
    ('ndpi-smtp-starttls.pcap', '6 10.0.0.1:57406 173.194.68.26:25',
     'SMTPS.Google/detected', 'SMTP.Google/detected',
     'nDPI 4.2 says SMTP.Google/detected: dissectors changed (newer nDPI: SMTPS.Google)'),
    ('ndpi-smtp-starttls.pcap', '6 2003:de:2016:120::a08:53:25 2003:de:2016:125:fc36:8317:4e86:cb72:7562',
     'SMTPS/detected', 'SMTP/detected',
     'nDPI 4.2 says SMTP/detected: dissectors changed (newer nDPI: SMTPS)'),
    ('ndpi-snmp.pcap', '17 10.100.253.146:161 10.99.8.88:43242',
     'SNMP/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise SNMP here'),
    ('ndpi-snmp.pcap', '17 10.231.2.134:161 10.72.247.4:61088',
     'SNMP/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise SNMP here'),
    ('ndpi-snmp.pcap', '17 103.248.22.47:162 124.53.196.176:54318',
     'SNMP/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise SNMP here'),
    ('ndpi-snmp.pcap', '17 113.19.156.111:54318 135.201.124.55:162',
     'SNMP/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise SNMP here'),
    ('ndpi-snmp.pcap', '17 137.49.110.186:162 92.135.15.240:54318',
     'SNMP/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise SNMP here'),
    ('ndpi-snmp.pcap', '17 160.174.106.32:162 205.83.36.228:54318',
     'SNMP/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise SNMP here'),
    ('ndpi-snmp.pcap', '17 189.111.255.214:162 200.76.132.137:54318',
     'SNMP/detected', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: its dissectors do not recognise SNMP here'),
    ('ndpi-ssl-cert-name-mismatch.pcap', '6 104.154.89.105:443 192.168.2.222:54772',
     'TLS/detected', 'TLS.Google/detected',
     'nDPI 4.2 says TLS.Google/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:1099',
     'JRMI/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for JRMI'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:135',
     'DCERPC/guessed', 'DCE_RPC/guessed',
     'nDPI 4.2 says DCE_RPC/guessed: protocol renamed (newer nDPI: DCERPC)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:2002',
     'Roughtime/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Roughtime'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:2190',
     'TiVoConnect/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for TiVoConnect'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:3000',
     'ntop/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for ntop'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:3260',
     'iSCSI/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for iSCSI'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:3300',
     'Ceph/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Ceph'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:4000',
     'NoMachine/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for NoMachine'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:427',
     'Service_Location_Protocol/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Service_Location_Protocol'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:4899',
     'Radmin/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Radmin'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:500',
     'IPSec/guessed', 'IPsec/guessed',
     'nDPI 4.2 says IPsec/guessed: protocol renamed (newer nDPI: IPSec)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:5001',
     'TargusDataspeed/guessed', 'TargusDataspeed/detected',
     'nDPI 4.2 says TargusDataspeed/detected: same protocol, different confidence (newer nDPI: guessed)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:587',
     'SMTP/guessed', 'SMTPS/guessed',
     'nDPI 4.2 says SMTPS/guessed: dissectors changed (newer nDPI: SMTP)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:646',
     'LDP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for LDP'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:6789',
     'Ceph/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Ceph'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:7000',
     'Cassandra/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Cassandra'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:81',
     'HTTP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for HTTP'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:8181',
     'HTTP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for HTTP'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:8333',
     'BITCOIN/guessed', 'Mining/guessed',
     'nDPI 4.2 says Mining/guessed: protocol renamed (newer nDPI: BITCOIN)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:9002',
     'Elasticsearch/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Elasticsearch'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36050 64.13.134.52:9999',
     'TPLINK_SHP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for TPLINK_SHP'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:1099',
     'JRMI/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for JRMI'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:135',
     'DCERPC/guessed', 'DCE_RPC/guessed',
     'nDPI 4.2 says DCE_RPC/guessed: protocol renamed (newer nDPI: DCERPC)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:2002',
     'Roughtime/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Roughtime'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:2190',
     'TiVoConnect/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for TiVoConnect'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:3000',
     'ntop/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for ntop'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:3260',
     'iSCSI/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for iSCSI'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:3300',
     'Ceph/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Ceph'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:4000',
     'NoMachine/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for NoMachine'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:427',
     'Service_Location_Protocol/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Service_Location_Protocol'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:4899',
     'Radmin/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Radmin'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:500',
     'IPSec/guessed', 'IPsec/guessed',
     'nDPI 4.2 says IPsec/guessed: protocol renamed (newer nDPI: IPSec)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:5001',
     'TargusDataspeed/guessed', 'TargusDataspeed/detected',
     'nDPI 4.2 says TargusDataspeed/detected: same protocol, different confidence (newer nDPI: guessed)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:587',
     'SMTP/guessed', 'SMTPS/guessed',
     'nDPI 4.2 says SMTPS/guessed: dissectors changed (newer nDPI: SMTP)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:646',
     'LDP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for LDP'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:6789',
     'Ceph/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Ceph'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:7000',
     'Cassandra/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Cassandra'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:81',
     'HTTP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for HTTP'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:8181',
     'HTTP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for HTTP'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:8333',
     'BITCOIN/guessed', 'Mining/guessed',
     'nDPI 4.2 says Mining/guessed: protocol renamed (newer nDPI: BITCOIN)'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:9002',
     'Elasticsearch/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for Elasticsearch'),
    ('ndpi-synscan.pcap', '6 172.16.0.8:36051 64.13.134.52:9999',
     'TPLINK_SHP/guessed', 'Unknown/none',
     'nDPI 4.2 says Unknown/none: it has no port guess for TPLINK_SHP'),
    ('ndpi-syslog.pcap', '17 172.20.51.54:514 172.31.110.40:514',
     'Syslog/detected', 'Syslog/guessed',
     'nDPI 4.2 says Syslog/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-tls-esni-fuzzed.pcap', '6 104.16.125.175:443 192.168.1.12:49887',
     'TLS/detected', 'TLS.Cloudflare/detected',
     'nDPI 4.2 says TLS.Cloudflare/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-tls-esni-fuzzed.pcap', '6 104.22.71.197:443 192.168.1.12:49897',
     'TLS/detected', 'TLS.Cloudflare/detected',
     'nDPI 4.2 says TLS.Cloudflare/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-tls-esni-fuzzed.pcap', '6 104.27.129.77:443 192.168.1.12:49886',
     'TLS/detected', 'TLS.Cloudflare/detected',
     'nDPI 4.2 says TLS.Cloudflare/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-tls_1.3_unidirectional_server.pcapng', '6 142.250.184.68:443 192.168.12.156:39750',
     'TLS/detected', 'TLS.Google/detected',
     'nDPI 4.2 says TLS.Google/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-tls_alert.pcap', '6 160.44.202.202:443 192.168.2.100:37780',
     'TLS/detected', 'TLS/guessed',
     'nDPI 4.2 says TLS/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-tls_ech.pcapng', '6 2001:b07:a3d:c112:ce16:b409:3d0a:9177:47460 2606:4700::6812:1e4e:443',
     'TLS.Cloudflare/detected', 'TLS/detected',
     'nDPI 4.2 says TLS/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS.Cloudflare)'),
    ('ndpi-tls_invalid_reads.pcap', '6 67.217.77.28:443 74.80.160.99:3258',
     'TLS/guessed', 'TLS/detected',
     'nDPI 4.2 says TLS/detected: same protocol, different confidence (newer nDPI: guessed)'),
    ('ndpi-tls_missing_ch_frag.pcap', '6 10.10.10.1:443 192.168.0.1:33063',
     'TLS/detected', 'TLS.YouTube/detected',
     'nDPI 4.2 says TLS.YouTube/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: TLS)'),
    ('ndpi-windowsupdate_over_http.pcap', '6 10.0.2.15:49815 151.99.72.125:80',
     'HTTP.WindowsUpdate/detected', 'HTTP/detected',
     'nDPI 4.2 says HTTP/detected: sub-protocol from host/IP lists or dissector changed (newer nDPI: HTTP.WindowsUpdate)'),
    # flows inside tunnels (rasflow decodes IP in IP; see src/decode.c)
    ('ndpi-6in4tunnel.pcap', '6 2001:470:1f17:13f:6d69:c72:7313:616f:35610 2604:a880:1:20::224:b001:993',
     'IMAPS/detected', 'IMAPS/guessed',
     'nDPI 4.2 says IMAPS/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-6in4tunnel.pcap', '6 2001:470:1f17:13f:6d69:c72:7313:616f:56381 2604:a880:1:20::224:b001:993',
     'IMAPS/detected', 'IMAPS/guessed',
     'nDPI 4.2 says IMAPS/guessed: same protocol, different confidence (newer nDPI: detected)'),
    ('ndpi-syslog.pcap', '17 2001:470:6c:a1::2:38159 2001:470:765b::b15:22:514',
     'Syslog/detected', 'Syslog/guessed',
     'nDPI 4.2 says Syslog/guessed: same protocol, different confidence (newer nDPI: detected)'),
]

# Flows inside a tunnel that nDPI 4.2's ndpiReader does not decode (it lists
# only the tunnel's own flow), so it gives no answer to compare with. Each was
# checked by hand: the inner IP packets, cut out of the capture by a script
# into a raw-IP pcap, were given to ndpiReader 4.2, whose answer is the one
# listed. The test checks rasflow's answer is that one and that ndpiReader
# still lists no such flow. (capture, flow, .out, nDPI 4.2 on the inner
# packets, reason)
DECAP_BY_HAND = [
    ('ndpi-tls_change_cipher.pcap', '6 172.29.190.157:62797 18.139.7.8:443',
     'TLS/detected', 'TLS/guessed',
     'inside GTP-U: the capture starts at the SYN/ACK and the Change Cipher Spec, with no '
     'ClientHello or certificate; nDPI 4.2 on the 14 inner packets says TLS by port '
     '("Match by port"); the newer nDPI detects it'),
]

# Flows where rasflow agrees with the .out file but not with nDPI 4.2's
# ndpiReader, because the two programs feed nDPI different packets:
# (capture, flow, nDPI 4.2's answer, reason).
INPUT_DIFFERS = [
    ('ndpi-fuzz-2006-09-29-28586.pcap', '6 172.20.3.13:80 172.20.3.5:2601', 'HTTP/guessed',
     'fuzzed capture: frame 5 (Ethernet type 0x08c6) and frame 27 (TCP data offset 0) are not '
     'decoded by rasflow (not_ip, tcp_doff) but ndpiReader 4.2 feeds them to nDPI (13 packets '
     'against our 10), so its nDPI ends the flow with a port guess'),
]


def endpoint(addr, port):
    a = addr.strip('[]')
    try:
        a = ipaddress.ip_address(a).compressed
    except ValueError:
        pass  # fuzzed captures print garbage addresses; keep them as they are
    return '%s:%s' % (a, port)


def flow_key(proto, a, b):
    return '%d %s %s' % (proto, *sorted([a, b]))


def state_of(name, conf):
    if name == 'Unknown':
        return 'none'
    # newer nDPI: "DPI", "DPI (cache)", "DPI (partial)", "DPI (aggressive)"...;
    # everything else ("Match by port", "IP address", "DNS", ...) is a guess
    return 'detected' if conf.startswith('DPI') else 'guessed'


def parse_ndpi(text):
    """Flows of an ndpiReader -v 2 listing: key -> [answer]."""
    flows = collections.defaultdict(list)
    for line in text.splitlines():
        m = LINE.match(line)
        if not m:
            continue
        proto = PROTOS.get(m.group(1))
        if proto is None:
            if not m.group(1).isdigit():
                continue
            proto = int(m.group(1))
        pm = PROTO.search(m.group(6))
        if not pm:
            continue
        cm = CONF.search('][' + m.group(6))
        name = pm.group(1)
        ans = '%s/%s' % (name, state_of(name, cm.group(1) if cm else 'Unknown'))
        flows[flow_key(proto, endpoint(m.group(2), m.group(3)),
                       endpoint(m.group(4), m.group(5)))].append(ans)
    return flows


def parse_ours(text):
    flows = collections.defaultdict(list)
    for line in text.splitlines():
        m = OURS.match(line)
        if m:
            flows[flow_key(int(m.group(1)), endpoint(m.group(2), m.group(3)),
                           endpoint(m.group(4), m.group(5)))].append(
                '%s/%s' % (m.group(6), m.group(7)))
    return flows


def same(a, b):
    """Do two lists of answers for one tuple agree?"""
    if len(a) == len(b):
        return sorted(a) == sorted(b)
    # cut into a different number of flows: compare the distinct known answers
    known = lambda x: {v for v in x if v != 'Unknown/none'}
    return known(a) == known(b)


def answer(lst):
    return ','.join(sorted(lst))


def reason_for(out, v42):
    """Category of a difference, for --print-justified."""
    on, oc = out.split(',')[0].split('/')
    vn, vc = v42.split(',')[0].split('/')
    if on.startswith('CustomProtocol'):
        why = '%s comes from the custom rules file (-p protos.txt) the .out run loaded; ' \
            'rasflow and this ndpiReader 4.2 run load none' % on
    elif vn == 'Unknown' and oc == 'guessed':
        why = 'it has no port guess for %s' % on
    elif vn == 'Unknown':
        why = 'its dissectors do not recognise %s here' % on
    elif on == 'Unknown':
        why = 'newer nDPI no longer reports it'
    elif on == vn:
        why = 'same protocol, different confidence (newer nDPI: %s)' % oc
    elif on.split('.')[0] == vn.split('.')[0] or on in vn.split('.') or vn in on.split('.'):
        why = 'sub-protocol from host/IP lists or dissector changed (newer nDPI: %s)' % on
    elif on.lower() == vn.lower() or {on, vn} <= {'DCERPC', 'DCE_RPC'} or \
            {on, vn} <= {'BITCOIN', 'Mining'}:
        why = 'protocol renamed (newer nDPI: %s)' % on
    else:
        why = 'dissectors changed (newer nDPI: %s)' % on
    return 'nDPI 4.2 says %s: %s' % (v42, why)


def ndpireader_42():
    path = shutil.which('ndpiReader')
    if path is None:
        return None
    r = subprocess.run([path, '-h'], capture_output=True, text=True, errors='replace')
    return path if 'nDPI 4.2.' in r.stdout + r.stderr else None


def run_ndpireader(path, cap):
    r = subprocess.run([path, '-i', cap, '-v', '2', '-q'], capture_output=True,
                       errors='replace', text=True, timeout=300)
    return parse_ndpi(r.stdout)


def main():
    shared = os.environ.get('RASFLOW_SHARED', '')
    pub = os.path.join(shared, 'pcaps', 'public')
    appdump = os.path.join(os.environ.get('RASFLOW_BUILDDIR', ''), 'tools', 'appdump')
    if not shared or not os.path.isdir(pub):
        print('SKIP: RASFLOW_SHARED/pcaps/public not present')
        return 77
    if not os.access(appdump, os.X_OK):
        print('SKIP: %s not built' % appdump)
        return 77
    regen = '--print-justified' in sys.argv[1:]
    reader = ndpireader_42()
    if regen and reader is None:
        print('--print-justified needs nDPI 4.2 ndpiReader (apt-get install libndpi-bin)')
        return 1
    just = {(c, k): (o, v, why) for c, k, o, v, why in JUSTIFIED}
    by_hand = {(c, k): (o, v, why) for c, k, o, v, why in DECAP_BY_HAND}
    input_differs = {(c, k): (v, why) for c, k, v, why in INPUT_DIFFERS}
    used = set()
    n = collections.Counter()
    bad = []
    caps = sorted(glob.glob(os.path.join(pub, 'ndpi-*.pcap')) +
                  glob.glob(os.path.join(pub, 'ndpi-*.pcapng')))
    for cap in caps:
        out = cap + '.out'
        if not os.path.isfile(out) or os.path.getsize(out) == 0:
            continue
        base = os.path.basename(cap)
        with open(out, encoding='latin-1') as fh:
            exp = parse_ndpi(fh.read())
        r = subprocess.run([appdump, cap], capture_output=True, text=True, errors='replace',
                           timeout=300)
        if r.returncode != 0 and 'is not supported' in r.stderr:
            n['link type not supported'] += 1  # C_HDLC, PPP, PPI: rasflow reads none of them
            continue
        if r.returncode != 0:
            bad.append('%s: appdump exit %d: %s' % (base, r.returncode, r.stderr.strip()))
            continue
        ours = parse_ours(r.stdout)
        n['captures'] += 1
        v42 = run_ndpireader(reader, cap) if reader else None
        for k in sorted(set(exp) & set(ours)):
            o, e = ours[k], exp[k]
            n['compared'] += 1
            if len(o) != len(e):
                n['cut differently'] += 1
            if same(o, e):
                n['agreeing'] += 1
            elif (base, k) in just and just[(base, k)][1] == answer(o):
                n['justified'] += 1
                used.add((base, k))
                if v42 is not None and not same(o, v42.get(k, [])):
                    bad.append('%s %s: JUSTIFIED says nDPI 4.2 gives %s, its ndpiReader gives %s'
                               % (base, k, answer(o), answer(v42.get(k, []))))
            elif (base, k) in by_hand and by_hand[(base, k)][1] == answer(o):
                n['justified'] += 1
                used.add((base, k))
                if v42 is not None and k in v42:
                    bad.append('%s %s: DECAP_BY_HAND says ndpiReader 4.2 lists no such flow, '
                               'it gives %s' % (base, k, answer(v42[k])))
            elif regen and same(o, v42.get(k, [])):
                print('    (%r, %r,\n     %r, %r,\n     %r),'
                      % (base, k, answer(e), answer(o), reason_for(answer(e), answer(o))))
            else:
                n['unexplained'] += 1
                bad.append('%s %s: rasflow %s, .out %s%s' % (
                    base, k, answer(o), answer(e),
                    '' if v42 is None else ', nDPI 4.2 ndpiReader %s' % answer(v42.get(k, []))))
        if v42 is None:
            continue
        for k in sorted(set(v42) & set(ours)):
            n['compared with 4.2'] += 1
            if same(ours[k], v42[k]):
                continue
            if (base, k) in input_differs and input_differs[(base, k)][0] == answer(v42[k]):
                n['input differs from 4.2'] += 1
                continue
            bad.append('%s %s: rasflow %s, nDPI 4.2 ndpiReader %s' % (
                base, k, answer(ours[k]), answer(v42[k])))
    for key in sorted((set(just) | set(by_hand)) - used):
        if not regen:
            bad.append('JUSTIFIED row not used (stale?): %s %s' % key)
    print('captures %d (link type not supported %d), flows compared %d (cut differently %d): '
          'agreeing %d, justified %d, unexplained %d'
          % (n['captures'], n['link type not supported'], n['compared'], n['cut differently'],
             n['agreeing'], n['justified'], n['unexplained']))
    if reader:
        print('with nDPI 4.2 ndpiReader (%s): flows compared %d, input differs %d'
              % (reader, n['compared with 4.2'], n['input differs from 4.2']))
    else:
        print('nDPI 4.2 ndpiReader not installed: live cross-check skipped')
    for b in bad:
        print('FAIL:', b)
    return 1 if bad else 0


if __name__ == '__main__':
    sys.exit(main())
