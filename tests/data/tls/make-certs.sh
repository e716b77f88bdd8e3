#!/bin/sh
# SPDX-License-Identifier: GPL-3.0-or-later
# Remakes the test-only TLS files in this folder (OpenSSL 3). They protect nothing: the keys are
# public on purpose. Valid until 2126, except expired.pem (2020-2021).
set -eu
cd "$(dirname "$0")"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

openssl ecparam -name prime256v1 -genkey -noout -out ca.key
openssl ecparam -name prime256v1 -genkey -noout -out server.key
openssl req -x509 -new -key ca.key -sha256 -days 36500 -subj "/CN=Parafetch Test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -out ca.pem

# Leaf certificates signed by the test CA: `openssl ca` because it can also backdate one.
leaf() { # name, subject alternative names, then extra `openssl ca` options
    name=$1 san=$2
    shift 2
    cn=$(echo "$san" | sed 's/^[A-Z]*://; s/,.*//')
    cat > "$work/ca.cnf" <<CNF
[ca]
default_ca = test
[test]
database = $work/index.txt
new_certs_dir = $work
serial = $work/serial
default_md = sha256
policy = anything
copy_extensions = none
x509_extensions = leaf
[anything]
commonName = supplied
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $san
CNF
    : > "$work/index.txt"
    openssl rand -hex 16 > "$work/serial"
    openssl req -new -key server.key -subj "/CN=$cn" -out "$work/$name.csr"
    openssl ca -batch -notext -config "$work/ca.cnf" -cert ca.pem -keyfile ca.key \
        -in "$work/$name.csr" -out "$name.pem" "$@"
}
leaf server "IP:127.0.0.1,DNS:localhost" -days 36500
leaf wronghost "DNS:wrong-host.invalid" -days 36500
leaf expired "IP:127.0.0.1,DNS:localhost" -startdate 20200101000000Z -enddate 20210101000000Z

# Self-signed, same names and key as server.pem, trusted by nobody.
openssl req -x509 -new -key server.key -sha256 -days 36500 -subj "/CN=127.0.0.1" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" -addext "basicConstraints=critical,CA:FALSE" \
    -out selfsigned.pem
