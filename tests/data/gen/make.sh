#!/bin/sh
# Regenerates the edge-case files of tests/data/gen whose bytes are hard to
# write by hand (other encodings, compression); the text ones are committed
# as they are.  Run from this directory.
set -eu
# Latin-1: é and ü as single bytes, which are not UTF-8
printf 'name,city,amount\nJos\351,M\374nchen,12\nZo\353,K\366ln,7\n' > latin1.csv
# UTF-16 little-endian with a byte order mark, as Excel writes "Unicode text"
printf 'name\tcity\tamount\nJosé\tMünchen\t12\nZoë\tKöln\t7\n' |
	iconv -f UTF-8 -t UTF-16 > utf16.tsv
# money.csv compressed, to read from a pipe
gzip -9 -n -c money.csv > money.csv.gz
