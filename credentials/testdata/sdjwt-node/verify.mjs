// Verifies a Candor credential with @sd-jwt/sd-jwt-vc, a third-party
// SD-JWT VC implementation: node verify.mjs CREDENTIAL_FILE METADATA_FILE.
// Prints the verified claims as JSON, or the library's error and exits 1.
// The status list, if the credential has one, is fetched from its URI.
import { readFileSync } from 'node:fs';
import { SDJwtVcInstance } from '@sd-jwt/sd-jwt-vc';
import { digest, ES256 } from '@sd-jwt/crypto-nodejs';

const [credFile, metaFile] = process.argv.slice(2);
const meta = JSON.parse(readFileSync(metaFile, 'utf8'));
const verifier = await ES256.getVerifier(meta.jwks.keys[0]);
const sdjwt = new SDJwtVcInstance({ hasher: digest, hashAlg: 'sha-256', verifier, statusVerifier: verifier });
try {
  const r = await sdjwt.verify(readFileSync(credFile, 'utf8').trim());
  console.log(JSON.stringify({ header: r.header, payload: r.payload }));
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
