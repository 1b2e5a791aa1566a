// Verifies CityService's signed documents with npm jose and only the published JWKS (docs/signed-documents.md,
// "Verifying with a standard library"). Reads {"jwks": {...}, "compacts": ["..."]} on stdin, writes one
// {"valid": bool, "reason": string|null, "iss", "jti"} per compact on stdout. The reasons are jose's error codes, or
// "issuer-mismatch" / "key-revoked" for the two rules a JWS library does not know.
import { createLocalJWKSet, jwtVerify, decodeProtectedHeader } from 'jose';

let input = '';
for await (const chunk of process.stdin) input += chunk;
const { jwks, compacts } = JSON.parse(input);
const keys = createLocalJWKSet(jwks);

const results = [];
for (const compact of compacts) {
  try {
    const { payload } = await jwtVerify(compact, keys, { algorithms: ['ES256'] });
    const jwk = jwks.keys.find((k) => k.kid === decodeProtectedHeader(compact).kid);
    if (jwk.iss !== payload.iss) {
      results.push({ valid: false, reason: 'issuer-mismatch', iss: payload.iss, jti: payload.jti });
    } else if (jwk.revoked_at !== undefined && payload.iat >= jwk.revoked_at) {
      results.push({ valid: false, reason: 'key-revoked', iss: payload.iss, jti: payload.jti });
    } else {
      results.push({ valid: true, reason: null, iss: payload.iss, jti: payload.jti });
    }
  } catch (e) {
    results.push({ valid: false, reason: e.code ?? e.name, iss: null, jti: null });
  }
}

process.stdout.write(JSON.stringify(results));
