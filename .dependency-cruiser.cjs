/**
 * Imports point one way (STYLE.md "Layout"): `keys` and `verifier` do no I/O but crypto, `jobs`
 * never imports `provider`, `store` keeps documents and imports nothing from `audit`, and `http`
 * composes. `npm test` runs this before the suite, so a wrong-way import fails CI.
 */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'A cycle means two modules own one job.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'keys-is-pure',
      severity: 'error',
      comment: 'keys/ owns the algorithm list, durations and policy rules; it reads no settings and does no I/O but crypto.',
      from: { path: '^src/keys/' },
      to: { path: ['^src/(?!keys/)', 'node_modules/(mongoose|mongodb|ioredis|bull|koa|@koa|oidc-provider|winston)/'] },
    },
    {
      name: 'store-does-not-import-audit',
      severity: 'error',
      comment: 'audit/ declares the store interface it needs; store/ only keeps documents.',
      from: { path: '^src/store/' },
      to: { path: '^src/audit/' },
    },
    {
      name: 'jobs-never-import-provider',
      severity: 'error',
      from: { path: '^src/jobs/' },
      to: { path: '^src/provider/' },
    },
    {
      name: 'verifier-depends-on-jose-only',
      severity: 'error',
      comment: 'rotor/verifier is published on its own: jose and Node built-ins, nothing of the server.',
      from: { path: '^src/verifier/' },
      to: { dependencyTypesNot: ['core'], pathNot: ['^src/verifier/', 'node_modules/jose/'] },
    },
    {
      name: 'error-handler-does-not-reach-into-routers',
      severity: 'error',
      from: { path: '^src/http/error-handler\\.ts$' },
      to: { path: ['^src/provider/interactions\\.ts$', '^src/admin/admin-router\\.ts$'] },
    },
    {
      name: 'only-http-and-main-compose',
      severity: 'error',
      comment: 'The domain does not reach up into the HTTP layer or the start-up wiring.',
      from: { path: '^src/(keys|store|audit|catalog|jobs|verifier|settings)/' },
      to: { path: ['^src/http/', '^src/start-instance\\.ts$', '^src/main\\.ts$', '^src/cli/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'], extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'] },
  },
};
