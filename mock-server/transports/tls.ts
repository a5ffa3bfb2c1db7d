import { webcrypto } from 'node:crypto';

type CryptoKeyPair = webcrypto.CryptoKeyPair;
type CryptoKey = webcrypto.CryptoKey;
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
  /** Issues an intermediate CA: a CA this one signs, which signs leaves but no further CA. */
  issueIntermediate(name: string): Promise<CertificateAuthority>;
}

function pemKey(der: ArrayBuffer): string {
  const b64 = Buffer.from(der).toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END PRIVATE KEY-----\n`;
}

const serial = () => Buffer.from(webcrypto.getRandomValues(new Uint8Array(16))).toString('hex').replace(/^[89a-f]/, '1');

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

const newKeys = async () => (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;

/** The extensions of a TLS server certificate for `hosts`. */
function leafExtensions(hosts: readonly string[]): x509.Extension[] {
  return [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth], false),
    new x509.SubjectAlternativeNameExtension(hosts.map((h) => ({ type: isIp(h) ? 'ip' : 'dns', value: h }))),
  ];
}

/** The extensions of a CA certificate: `pathLength` CAs may follow it in a chain. */
async function caExtensions(publicKey: CryptoKey, pathLength: number): Promise<x509.Extension[]> {
  return [
    new x509.BasicConstraintsExtension(true, pathLength, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    await x509.SubjectKeyIdentifierExtension.create(publicKey),
  ];
}

/** The CA that `caCert` and `keys` make: what it issues is valid within its own dates. */
function authority(name: string, caCert: x509.X509Certificate, keys: CryptoKeyPair, key: string, now: number): CertificateAuthority {
  return {
    name,
    cert: caCert.toString('pem'),
    key,
    async issue(hosts, validity = {}) {
      const leafKeys = await newKeys();
      const leaf = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${hosts[0] ?? 'localhost'}`,
        issuer: caCert.subject,
        notBefore: validity.notBefore ?? new Date(now - DAY),
        notAfter: validity.notAfter ?? new Date(now + 90 * DAY),
        signingKey: keys.privateKey,
        publicKey: leafKeys.publicKey,
        signingAlgorithm: ALG,
        extensions: [...leafExtensions(hosts), await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey)],
      });
      return { cert: leaf.toString('pem'), key: pemKey(await webcrypto.subtle.exportKey('pkcs8', leafKeys.privateKey)) };
    },
    async issueIntermediate(intermediateName) {
      const subKeys = await newKeys();
      const subCert = await x509.X509CertificateGenerator.create({
        serialNumber: serial(),
        subject: `CN=${intermediateName}`,
        issuer: caCert.subject,
        notBefore: caCert.notBefore,
        notAfter: caCert.notAfter,
        signingKey: keys.privateKey,
        publicKey: subKeys.publicKey,
        signingAlgorithm: ALG,
        extensions: [...(await caExtensions(subKeys.publicKey, 0)), await x509.AuthorityKeyIdentifierExtension.create(keys.publicKey)],
      });
      return authority(intermediateName, subCert, subKeys, pemKey(await webcrypto.subtle.exportKey('pkcs8', subKeys.privateKey)), now);
    },
  };
}

/** A new certificate authority (ECDSA P-256, valid a year from yesterday; one intermediate CA may follow it). */
export async function createCertificateAuthority(name: string, now = Date.now()): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${name}`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 365 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: await caExtensions(keys.publicKey, 1),
  });
  return authority(name, caCert, keys, pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)), now);
}

/** A leaf certificate for `hosts` signed with its own key (issuer = subject), valid from yesterday for 90 days. */
async function createSelfSignedCertificate(hosts: readonly string[], now = Date.now()): Promise<KeyPair> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: `CN=${hosts[0] ?? 'localhost'}`,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 90 * DAY),
    keys,
    signingAlgorithm: ALG,
    extensions: leafExtensions(hosts),
  });
  return { cert: cert.toString('pem'), key: pemKey(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)) };
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
export const BAD_TLS_KINDS = ['untrusted-ca', 'wrong-host', 'expired', 'self-signed', 'not-yet-valid', 'missing-intermediate'] as const;
export type BadTlsKind = (typeof BAD_TLS_KINDS)[number];

/** A bad-TLS listener's certificate and key. */
export interface BadCertificate extends KeyPair {
  /**
   * missing-intermediate only: the intermediate CA certificate (PEM) the listener leaves out.
   * Served after the leaf, it completes the chain to the harness CA.
   */
  intermediate?: string;
}

/**
 * Certificates for the bad-TLS listeners, all for the loopback hosts unless said otherwise:
 * - `untrusted-ca`: issued by a CA nobody trusts (a man in the middle);
 * - `wrong-host`: issued by the harness CA for another host name;
 * - `expired`: issued by the harness CA, valid until yesterday;
 * - `self-signed`: signed with its own key, right host names and dates;
 * - `not-yet-valid`: issued by the harness CA, valid from tomorrow;
 * - `missing-intermediate`: issued by an intermediate CA the harness CA signed; the listener
 *   presents the leaf alone, so a client cannot build the chain to the harness CA.
 * Generated side by side (the key generation runs off the main thread).
 */
export async function createBadCertificates(ca: CertificateAuthority, now = Date.now()): Promise<Record<BadTlsKind, BadCertificate>> {
  const missingIntermediate = async (): Promise<BadCertificate> => {
    const intermediate = await ca.issueIntermediate('golive harness intermediate CA');
    return { ...(await intermediate.issue(LOOPBACK_HOSTS)), intermediate: intermediate.cert };
  };
  const [untrustedCa, wrongHost, expired, selfSigned, notYetValid, chainless] = await Promise.all([
    createCertificateAuthority('golive untrusted CA (a man in the middle)', now).then((stranger) => stranger.issue(LOOPBACK_HOSTS)),
    ca.issue(['wrong-host.invalid']),
    ca.issue(LOOPBACK_HOSTS, { notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) }),
    createSelfSignedCertificate(LOOPBACK_HOSTS, now),
    ca.issue(LOOPBACK_HOSTS, { notBefore: new Date(now + DAY), notAfter: new Date(now + 90 * DAY) }),
    missingIntermediate(),
  ]);
  return {
    'untrusted-ca': untrustedCa,
    'wrong-host': wrongHost,
    expired,
    'self-signed': selfSigned,
    'not-yet-valid': notYetValid,
    'missing-intermediate': chainless,
  };
}
