#!/bin/sh
# Sanity checks of a generated capture with tshark: checksums, TCP anomalies, protocol mix.
set -eu
f=${1:?usage: check_capture.sh FILE.pcap}
bad=$(tshark -r "$f" -o ip.check_checksum:TRUE -o tcp.check_checksum:TRUE -o udp.check_checksum:TRUE \
  -Y 'ip.checksum.status==2 || tcp.checksum.status==2 || udp.checksum.status==2' 2>/dev/null | wc -l)
echo "checksum errors: $bad"
for flag in lost_segment out_of_order retransmission duplicate_ack ack_lost_segment zero_window; do
  echo "tcp.analysis.$flag: $(tshark -r "$f" -Y "tcp.analysis.$flag" 2>/dev/null | wc -l)"
done
tshark -r "$f" -qz io,phs 2>/dev/null | head -40
capinfos "$f"
test "$bad" -eq 0
