// A certificate authority of the test's own, made with the openssl command-line tool, so
// that the emulator can serve real HTTPS that the CLI trusts only when it is told to.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface ServerCertificate {
  key: string;
  cert: string;
}

export interface TestCa {
  /** The root certificate's PEM file, for OCS_AUTH_CA_FILE and friends. */
  certFile: string;
  /** A key and a certificate for these DNS names, signed by this CA (valid now, or expired in 2020). */
  issue(names: string[], options?: { expired?: boolean }): Promise<ServerCertificate>;
  cleanup(): Promise<void>;
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

export async function createTestCa(commonName: string): Promise<TestCa> {
  const dir = await mkdtemp(join(tmpdir(), 'ocs-auth-ca-'));
  const certFile = join(dir, 'root.pem');
  const keyFile = join(dir, 'root.key');
  await run('openssl', ['req', '-x509', ...EC_KEY, '-keyout', keyFile, '-out', certFile, '-days', '2', '-subj', `/CN=${commonName}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  // `openssl ca` rather than `openssl x509 -req`: OpenSSL 3.0's x509 cannot set dates in the past.
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');
  const config = join(dir, 'ca.cnf');
  await writeFile(config, [
    '[ca]', 'default_ca = test_ca',
    '[test_ca]', `database = ${join(dir, 'index.txt')}`, `new_certs_dir = ${dir}`, `serial = ${join(dir, 'serial')}`,
    'default_md = sha256', 'policy = any_name', 'unique_subject = no', 'copy_extensions = copy', 'x509_extensions = server',
    '[any_name]', 'commonName = supplied',
    '[server]', 'basicConstraints = CA:FALSE', 'extendedKeyUsage = serverAuth', 'keyUsage = digitalSignature',
  ].join('\n'));
  let issued = 0;
  // `openssl ca` rewrites its serial and index files: two at once lose a rename.
  let queue: Promise<unknown> = Promise.resolve();
  const issue = async (names: string[], options: { expired?: boolean }): Promise<ServerCertificate> => {
    const base = join(dir, `server-${++issued}`);
    await run('openssl', ['req', '-new', ...EC_KEY, '-keyout', `${base}.key`, '-out', `${base}.csr`, '-subj', `/CN=${names[0]}`,
      '-addext', `subjectAltName=${names.map((name) => `DNS:${name}`).join(',')}`]);
    const dates = options.expired ? ['-startdate', '20200101000000Z', '-enddate', '20200102000000Z'] : ['-days', '2'];
    await run('openssl', ['ca', '-batch', '-notext', '-config', config, '-cert', certFile, '-keyfile', keyFile, '-in', `${base}.csr`, '-out', `${base}.pem`, ...dates]);
    return { key: await readFile(`${base}.key`, 'utf8'), cert: await readFile(`${base}.pem`, 'utf8') };
  };
  return {
    certFile,
    issue(names, options = {}) {
      const next = queue.then(() => issue(names, options));
      queue = next.catch(() => undefined);
      return next;
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}
