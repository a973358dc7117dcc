# TLS material for the local stack: one development CA and a server certificate it signed for
# 127.0.0.1 and localhost, made with openssl at start-up and kept in .local-stack/tls. Kafka's
# SASL_SSL listener and the tests' TLS servers (PostgreSQL, ClickHouse) present it; clients trust
# the CA file only (TLS_CA_FILE), never "any certificate". Sourced.

TLS_DIR="$STATE_DIR/tls"
TLS_CA_FILE="$TLS_DIR/ca.pem"
TLS_CERT_FILE="$TLS_DIR/server.pem"
TLS_KEY_FILE="$TLS_DIR/server.key"

tls_valid() {
  [[ -f "$TLS_CA_FILE" && -f "$TLS_CERT_FILE" && -f "$TLS_KEY_FILE" ]] &&
    openssl x509 -checkend 86400 -noout -in "$TLS_CERT_FILE" >/dev/null 2>&1
}

tls_ensure() {
  tls_valid && return 0
  command -v openssl >/dev/null || die "openssl is needed to make the local stack's certificates"
  log "making a development CA and server certificate in $TLS_DIR"
  mkdir -p "$TLS_DIR"
  (
    umask 077
    cd "$TLS_DIR" &&
      openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=outbox-platform development CA" \
        -keyout ca.key -out ca.pem &&
      # PKCS#8 (what `-newkey` writes): Kafka's PEM key store reads no other key format.
      openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr &&
      printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' >server.ext &&
      openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
        -extfile server.ext -out server.pem &&
      rm -f server.csr server.ext ca.srl
  ) >>"$LOG_DIR/tls.log" 2>&1 || die "could not make the development certificates; see $LOG_DIR/tls.log"
  chmod 644 "$TLS_CA_FILE" "$TLS_CERT_FILE"
}
