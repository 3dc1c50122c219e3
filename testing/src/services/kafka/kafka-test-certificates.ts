import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SluiceTestingError } from '../../errors.ts';
import { runCommand } from '../run-command.ts';

/**
 * What {@link createKafkaTestCertificates} wrote.
 *
 * @example
 * ```ts
 * const { caCertificate, keystoreFile } = await createKafkaTestCertificates(join(dataDir, 'tls'));
 * ```
 */
export interface KafkaTestCertificates {
  /** The CA's certificate (PEM): what clients trust. */
  caCertificate: string;
  /** The broker's private key (unencrypted PKCS#8), its certificate and the CA's, in one PEM file. */
  keystoreFile: string;
}

/** The OpenSSL config: only the sections the three commands below read. */
const OPENSSL_CONFIG = `[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[ca_ext]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
subjectKeyIdentifier = hash
[broker_ext]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature,keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = IP:127.0.0.1,DNS:localhost
`;

/**
 * Makes a throwaway CA and a broker certificate signed by it, for the TLS listeners of a test
 * broker: EC P-256 keys (made by Node), certificates by the `openssl` command line, valid two
 * days, the broker's naming `127.0.0.1` and `localhost`. Everything goes into `dir` (created if
 * missing), which the caller deletes with the broker's data.
 *
 * @example
 * ```ts
 * const certificates = await createKafkaTestCertificates(join(dataDir, 'tls'));
 * properties['ssl.keystore.type'] = 'PEM';
 * properties['ssl.keystore.location'] = certificates.keystoreFile;
 * ```
 */
export async function createKafkaTestCertificates(dir: string): Promise<KafkaTestCertificates> {
  mkdirSync(dir, { recursive: true });
  const file = (name: string): string => join(dir, name);
  const newKey = (name: string): string => {
    const { privateKey } = generateKeyPairSync('ec', {
      namedCurve: 'prime256v1',
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    writeFileSync(file(name), privateKey, { mode: 0o600 });
    return privateKey;
  };
  writeFileSync(file('openssl.cnf'), OPENSSL_CONFIG);
  newKey('ca.key');
  const brokerKey = newKey('broker.key');
  const common = ['-config', file('openssl.cnf'), '-sha256'];
  await openssl(dir, [
    'req',
    '-new',
    '-x509',
    '-key',
    file('ca.key'),
    ...common,
    '-extensions',
    'ca_ext',
    '-subj',
    `/CN=Sluice test CA ${randomBytes(4).toString('hex')}`,
    '-days',
    '2',
    '-out',
    file('ca.pem'),
  ]);
  await openssl(dir, [
    'req',
    '-new',
    '-key',
    file('broker.key'),
    ...common,
    '-subj',
    '/CN=localhost',
    '-out',
    file('broker.csr'),
  ]);
  await openssl(dir, [
    'x509',
    '-req',
    '-in',
    file('broker.csr'),
    '-CA',
    file('ca.pem'),
    '-CAkey',
    file('ca.key'),
    '-set_serial',
    `0x${randomBytes(8).toString('hex')}`,
    '-sha256',
    '-days',
    '2',
    '-extfile',
    file('openssl.cnf'),
    '-extensions',
    'broker_ext',
    '-out',
    file('broker.pem'),
  ]);
  const caCertificate = readFileSync(file('ca.pem'), 'utf8');
  const keystoreFile = file('broker-keystore.pem');
  writeFileSync(keystoreFile, `${brokerKey}${readFileSync(file('broker.pem'), 'utf8')}${caCertificate}`, {
    mode: 0o600,
  });
  return { caCertificate, keystoreFile };
}

async function openssl(cwd: string, args: readonly string[]): Promise<void> {
  const result = await runCommand('openssl', args, { cwd, timeoutMs: 30_000 });
  if (result.notFound) {
    throw new SluiceTestingError(
      'SERVICE_START_FAILED',
      'The TLS listeners of startKafka({ security }) need the `openssl` command to make a throwaway CA, and it ' +
        'is not on the PATH. Install OpenSSL (e.g. `apt-get install openssl`), or start Kafka without `security`.',
      { domain: 'user', retriable: false },
    );
  }
  if (result.exitCode !== 0) {
    throw new SluiceTestingError(
      'SERVICE_START_FAILED',
      `Making the test broker's certificates failed: \`openssl ${args[0]}\` exited with ${result.exitCode}.\n${result.output}`,
      { domain: 'external', retriable: false },
    );
  }
}
