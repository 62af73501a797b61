import { createVerifier } from '../../src/verifier/index.js';
import { createResourceServer } from './app.js';

// `npm run example:resource-server`: a resource server for the Rotor on ISSUER.
const issuer = process.env.ISSUER ?? 'http://localhost:3000';
const audience = process.env.AUDIENCE ?? `${issuer}/api`;
const port = Number(process.env.PORT ?? 4000);

const verifier = createVerifier({ issuer, audience, events: true });
const server = createResourceServer(verifier).listen(port, () => {
  console.log(JSON.stringify({ msg: 'resource server listening', url: `http://localhost:${port}`, issuer, audience }));
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void verifier.close();
  });
}
