/** What PEM text holding a certificate, or a private key (PKCS#1, SEC1, PKCS#8), starts with. */
export const PEM = {
  certificate: /-----BEGIN CERTIFICATE-----/,
  'private key': /-----BEGIN (RSA |EC |ENCRYPTED )?PRIVATE KEY-----/,
} as const;
