/**
 * The harness CA and its certificates, written in DER here with node:crypto's keys and
 * signatures. @peculiar/x509 made them before: loading it (about 250 modules with asn1js)
 * and its ASN.1 encoding cost `golive serve` about 130 ms of CPU at start, for the few
 * fixed shapes of certificate below.
 */
import { createHash, generateKeyPair, type KeyObject, randomBytes, sign } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { isIPv4 } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';

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

// DER, as much of it as these certificates need (X.690; the structures are RFC 5280's).

function der(tag: number, ...content: Buffer[]): Buffer {
  const body = Buffer.concat(content);
  const n = body.length;
  const length = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...length]), body]);
}

const sequence = (...items: Buffer[]) => der(0x30, ...items);
const octets = (bytes: Buffer) => der(0x04, bytes);
/** A BIT STRING of whole bytes. */
const bits = (bytes: Buffer) => der(0x03, Buffer.from([0]), bytes);
const TRUE = der(0x01, Buffer.from([0xff]));

/** A non-negative INTEGER: a number below 128, or big-endian bytes whose top bit is clear. */
const integer = (n: number | Buffer) => der(0x02, typeof n === 'number' ? Buffer.from([n]) : n);

function oid(dotted: string): Buffer {
  const [a, b, ...rest] = dotted.split('.').map(Number);
  const out = [a! * 40 + b!];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let v = arc >>> 7; v > 0; v >>>= 7) groups.unshift((v & 0x7f) | 0x80);
    out.push(...groups);
  }
  return der(0x06, Buffer.from(out));
}

/** UTCTime (RFC 5280 §4.1.2.5: dates before 2050), or GeneralizedTime from 2050 on. */
function time(date: Date): Buffer {
  const digits = date.toISOString().replace(/\.\d+Z$/, 'Z').replace(/[-:T]/g, '');
  return date.getUTCFullYear() < 2050 ? der(0x17, Buffer.from(digits.slice(2))) : der(0x18, Buffer.from(digits));
}

/** A distinguished name of one common name. */
const commonName = (cn: string) => sequence(der(0x31, sequence(oid('2.5.4.3'), der(0x0c, Buffer.from(cn, 'utf8')))));

/** An IP address's bytes (4, or 16 for IPv6). */
function ipBytes(ip: string): Buffer {
  if (isIPv4(ip)) return Buffer.from(ip.split('.').map(Number));
  const [left = '', right = ''] = ip.split('::');
  const words = (part: string) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  const l = words(left);
  const r = ip.includes('::') ? words(right) : [];
  const all = [...l, ...Array<number>(8 - l.length - r.length).fill(0), ...r];
  const out = Buffer.alloc(16);
  all.forEach((w, i) => out.writeUInt16BE(w, i * 2));
  return out;
}

function isIp(host: string): boolean {
  return /^\d+\.\d+\.\d+\.\d+$/.test(host) || host.includes(':');
}

/** One extension: its OID, whether it is critical, and its value's DER. */
const extension = (id: string, critical: boolean, value: Buffer) => sequence(oid(id), ...(critical ? [TRUE] : []), octets(value));

// KeyUsage bits (RFC 5280 §4.2.1.3), as a DER named BIT STRING: trailing zero bits dropped.
const SERVER_KEY_USAGE = Buffer.from([0x03, 0x02, 0x05, 0xa0]); // digitalSignature, keyEncipherment
const CA_KEY_USAGE = Buffer.from([0x03, 0x02, 0x01, 0x06]); // keyCertSign, cRLSign

/** The extensions of a TLS server certificate for `hosts`. */
function leafExtensions(hosts: readonly string[]): Buffer[] {
  const names = hosts.map((h) => (isIp(h) ? der(0x87, ipBytes(h)) : der(0x82, Buffer.from(h, 'ascii'))));
  return [
    extension('2.5.29.19', true, sequence()), // basicConstraints: not a CA
    extension('2.5.29.15', true, SERVER_KEY_USAGE),
    extension('2.5.29.37', false, sequence(oid('1.3.6.1.5.5.7.3.1'))), // extKeyUsage: serverAuth
    extension('2.5.29.17', false, sequence(...names)), // subjectAltName
  ];
}

/** The extensions of a CA certificate: `pathLength` CAs may follow it in a chain. */
function caExtensions(keys: Keys, pathLength: number): Buffer[] {
  return [
    extension('2.5.29.19', true, sequence(TRUE, integer(pathLength))),
    extension('2.5.29.15', true, CA_KEY_USAGE),
    extension('2.5.29.14', false, octets(keys.id)), // subjectKeyIdentifier
  ];
}

/** authorityKeyIdentifier: the key identifier of the issuer's key. */
const issuedBy = (issuer: Keys) => extension('2.5.29.35', false, sequence(der(0x80, issuer.id)));

interface Keys {
  privateKey: KeyObject;
  /** SubjectPublicKeyInfo, DER. */
  spki: Buffer;
  /** RFC 5280 §4.2.1.2's key identifier: the SHA-1 of the public key's bits. */
  id: Buffer;
  /** PKCS #8 PEM. */
  pem: string;
}

const generateEcKeys = promisify(generateKeyPair);

/** An ECDSA P-256 key pair; the generation runs off the main thread. */
async function newKeys(): Promise<Keys> {
  const { publicKey, privateKey } = await generateEcKeys('ec', { namedCurve: 'P-256' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  // The SPKI of a P-256 key ends with its 65-byte uncompressed point, the BIT STRING's content.
  const id = createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
  return { privateKey, spki, id, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
}

const ECDSA_WITH_SHA256 = sequence(oid('1.2.840.10045.4.3.2'));

/** 16 random bytes, the top bit clear (a positive serial number of at most 20 bytes). */
const serial = () => {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x10;
  return bytes;
};

interface CertificateSpec {
  subject: string;
  issuer: string;
  notBefore: Date;
  notAfter: Date;
  /** The subject's keys (its public key goes in the certificate). */
  keys: Keys;
  /** The issuer's private key, which signs it. */
  signer: KeyObject;
  extensions: Buffer[];
}

/** An X.509 v3 certificate, PEM. */
function certificate(spec: CertificateSpec): string {
  const tbs = sequence(
    der(0xa0, integer(2)), // version: v3
    integer(serial()),
    ECDSA_WITH_SHA256,
    commonName(spec.issuer),
    sequence(time(spec.notBefore), time(spec.notAfter)),
    commonName(spec.subject),
    spec.keys.spki,
    der(0xa3, sequence(...spec.extensions)),
  );
  // node:crypto signs ECDSA in DER (ECDSA-Sig-Value), as X.509 wants it.
  const cert = sequence(tbs, ECDSA_WITH_SHA256, bits(sign('sha256', tbs, spec.signer)));
  const b64 = cert.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

/** The CA named `name` with `keys`, valid as `validity` says: what it issues is valid within its own dates. */
function authority(name: string, cert: string, keys: Keys, validity: { notBefore: Date; notAfter: Date }, now: number): CertificateAuthority {
  return {
    name,
    cert,
    key: keys.pem,
    async issue(hosts, dates = {}) {
      const leafKeys = await newKeys();
      const leaf = certificate({
        subject: hosts[0] ?? 'localhost',
        issuer: name,
        notBefore: dates.notBefore ?? new Date(now - DAY),
        notAfter: dates.notAfter ?? new Date(now + 90 * DAY),
        keys: leafKeys,
        signer: keys.privateKey,
        extensions: [...leafExtensions(hosts), issuedBy(keys)],
      });
      return { cert: leaf, key: leafKeys.pem };
    },
    async issueIntermediate(intermediateName) {
      const subKeys = await newKeys();
      const subCert = certificate({
        subject: intermediateName,
        issuer: name,
        ...validity,
        keys: subKeys,
        signer: keys.privateKey,
        extensions: [...caExtensions(subKeys, 0), issuedBy(keys)],
      });
      return authority(intermediateName, subCert, subKeys, validity, now);
    },
  };
}

/** A new certificate authority (ECDSA P-256, valid a year from yesterday; one intermediate CA may follow it). */
export async function createCertificateAuthority(name: string, now = Date.now()): Promise<CertificateAuthority> {
  const keys = await newKeys();
  const validity = { notBefore: new Date(now - DAY), notAfter: new Date(now + 365 * DAY) };
  const cert = certificate({ subject: name, issuer: name, ...validity, keys, signer: keys.privateKey, extensions: caExtensions(keys, 1) });
  return authority(name, cert, keys, validity, now);
}

/** A leaf certificate for `hosts` signed with its own key (issuer = subject), valid from yesterday for 90 days. */
async function createSelfSignedCertificate(hosts: readonly string[], now = Date.now()): Promise<KeyPair> {
  const keys = await newKeys();
  const cn = hosts[0] ?? 'localhost';
  const cert = certificate({
    subject: cn,
    issuer: cn,
    notBefore: new Date(now - DAY),
    notAfter: new Date(now + 90 * DAY),
    keys,
    signer: keys.privateKey,
    extensions: leafExtensions(hosts),
  });
  return { cert, key: keys.pem };
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
