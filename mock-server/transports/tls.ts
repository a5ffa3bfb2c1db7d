import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const DAY = 86_400_000;

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  cert: string;
  key: string;
}

export interface CertificateAuthority extends KeyPair {
  readonly name: string;
  /** Issues a leaf certificate for `hosts` (IP addresses and DNS names). */
  issue(hosts: readonly string[], validity?: { notBefore?: Date; notAfter?: Date }): Promise<KeyPair>;
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END PRIVATE KEY-----\n`;
}

const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

/** A new certificate authority (ECDSA P-256, valid a year from yesterday). */
export async function createCertificateAuthority(name: string, now = Date.now()): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const key = pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return {
    name,
    cert: caCert.toString('pem'),
    key,
    async issue(hosts, validity = {}) {
      const leafKeys = (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${hosts[0] ?? 'localhost'}`,
        issuer: caCert.subject,
        notBefore: validity.notBefore ?? new Date(now - DAY),
        notAfter: validity.notAfter ?? new Date(now + 90 * DAY),
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: ALG,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
          new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIp(h) ? 'ip' : 'dns', value: h }))),
          await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey),
        ],
      });
      return { cert: leaf.toString('pem'), key: pemKey(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey)) };
    },
  };
}

/** The hosts every loopback listener's certificate names. */
export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'] as const;

/** The harness CA and the certificates made from it, with the CA written where clients can read it. */
export interface TlsMaterial {
  ca: CertificateAuthority;
  /** The certificate every API listener serves (127.0.0.1, localhost, ::1). */
  server: KeyPair;
  /** PEM file of the CA, for NODE_EXTRA_CA_CERTS / SSL_CERT_FILE / REQUESTS_CA_BUNDLE. */
  caCertPath: string;
}

/** Generates the harness CA and the loopback server certificate, and writes the CA to `dir`. */
export async function createTlsMaterial(dir: string): Promise<TlsMaterial> {
  const ca = await createCertificateAuthority('golive harness CA');
  const server = await ca.issue(LOOPBACK_HOSTS);
  await mkdir(dir, { recursive: true });
  const caCertPath = join(dir, 'ca.pem');
  await writeFile(caCertPath, ca.cert);
  return { ca, server, caCertPath };
}

/** The listeners with a certificate no verifying client may accept. */
export const BAD_TLS_KINDS = ['untrusted-ca', 'wrong-host', 'expired'] as const;
export type BadTlsKind = (typeof BAD_TLS_KINDS)[number];

/**
 * Certificates for the bad-TLS listeners: one from a CA nobody trusts, one from the harness
 * CA for another host name, one from the harness CA that has expired.
 */
export async function createBadCertificates(ca: CertificateAuthority, now = Date.now()): Promise<Record<BadTlsKind, KeyPair>> {
  const stranger = await createCertificateAuthority('golive untrusted CA (a man in the middle)', now);
  return {
    'untrusted-ca': await stranger.issue(LOOPBACK_HOSTS),
    'wrong-host': await ca.issue(['wrong-host.invalid']),
    expired: await ca.issue(LOOPBACK_HOSTS, { notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
  };
}
