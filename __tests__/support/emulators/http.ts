// What the loopback emulators do alike: read a request body, answer JSON, and read the claims of
// a presented JWT. No emulator checks signatures: the claims are decoded and compared.
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface JwtClaims {
  iss?: string;
  sub?: string;
  aud?: string | string[];
  exp?: number;
}

/** A JWT's payload, signature unchecked; undefined when the text is not a JWT. */
export function decodeJwtClaims(jwt: string): JwtClaims | undefined {
  const parts = jwt.trim().split('.');
  if (parts.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    return undefined;
  }
}

export function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** Answers with `body`, a JSON text. */
export function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(body);
}
