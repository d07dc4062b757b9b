// A throwaway certificate authority made with openssl at test time, so loopback emulators can
// speak HTTPS (@azure/identity refuses a non-https authority). Keys live in a temp directory
// outside the repository. In-process tests trust it through `agent()`; a subprocess (e.g.
// `node dist/index.js`) trusts it with NODE_EXTRA_CA_CERTS=<caFile>.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';

export interface IssuedCertificate {
  cert: string; // PEM
  key: string; // PEM
}

export interface TestCa {
  /** PEM of the CA certificate. */
  caCert: string;
  /** Path of the CA certificate, for NODE_EXTRA_CA_CERTS. */
  caFile: string;
  /** Server certificate for 127.0.0.1 and localhost. */
  server: IssuedCertificate;
  /** A client certificate (e.g. for a local-accounts kubeconfig user). */
  issueClient(commonName: string, organization?: string): IssuedCertificate;
  /** An HTTPS agent that trusts only this CA. */
  agent(): https.Agent;
  /** Removes the temp directory. */
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bifrost-test-ca-'));
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  openssl(dir, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-days',
    '2',
    '-subj',
    '/CN=bifrost-aks-deploy test CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);

  let serial = 1;
  const issue = (name: string, subject: string, extensions: string): IssuedCertificate => {
    writeFileSync(path.join(dir, `${name}.ext`), extensions);
    openssl(dir, ['req', ...ec, '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject]);
    openssl(dir, [
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.crt',
      '-CAkey',
      'ca.key',
      '-set_serial',
      String(serial++),
      '-days',
      '2',
      '-out',
      `${name}.crt`,
      '-extfile',
      `${name}.ext`,
    ]);
    return {
      cert: readFileSync(path.join(dir, `${name}.crt`), 'utf8'),
      key: readFileSync(path.join(dir, `${name}.key`), 'utf8'),
    };
  };

  const server = issue(
    'server',
    '/CN=localhost',
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  const caFile = path.join(dir, 'ca.crt');
  const caCert = readFileSync(caFile, 'utf8');
  let clients = 0;
  return {
    caCert,
    caFile,
    server,
    issueClient: (commonName, organization) =>
      issue(
        `client${clients++}`,
        `/CN=${commonName}${organization ? `/O=${organization}` : ''}`,
        'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=clientAuth\n',
      ),
    agent: () => new https.Agent({ ca: caCert }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
