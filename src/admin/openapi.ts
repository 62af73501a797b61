import { lifecycleOpenApiPaths } from './lifecycle-openapi.js';

/** The OpenAPI 3.1 description of the admin API, served at `/admin/openapi.json`. */
export function adminOpenApi(issuer: string): Record<string, unknown> {
  const error = { $ref: '#/components/schemas/Error' };
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((code) => [String(code), { description: ({ 400: 'bad request body', 401: 'missing or bad token', 403: 'token lacks the scope', 404: 'no such key or request', 409: 'conflicts with the catalog', 410: 'request expired', 429: 'too soon (Retry-After)' } as Record<number, string>)[code], content: { 'application/json': { schema: error } } }]));
  const body = (properties: Record<string, unknown>, required: string[]) => ({ required: true, content: { 'application/json': { schema: { type: 'object', additionalProperties: false, required, properties } } } });
  const reason = { type: 'string', minLength: 3, maxLength: 500 };
  const alg = { type: 'string', enum: ['RS256', 'PS256', 'ES256', 'EdDSA'] };
  const secured = (scope: string) => [{ bearer: [scope] }];
  return {
    openapi: '3.1.0',
    info: { title: 'Rotor admin API', version: '1' },
    servers: [{ url: `${issuer}/admin` }],
    components: {
      securitySchemes: { bearer: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: { 'admin:keys': 'read the catalog, planned rotation', 'admin:emergency': 'rollover and revoke', 'admin:audit': 'read and verify the audit log', 'admin:clients': 'list, remove and rotate clients; disable and enable users' } } } } },
      schemas: {
        Error: { type: 'object', required: ['error', 'error_description'], properties: { error: { type: 'string' }, error_description: { type: 'string' } } },
        Key: { type: 'object', required: ['kid', 'alg', 'state', 'createdAt', 'activatesAt', 'retiresAt', 'removesAt'], properties: { kid: { type: 'string' }, alg, state: { type: 'string', enum: ['pending', 'active', 'retiring', 'retired', 'revoked'] }, createdAt: { type: 'string', format: 'date-time' }, activatesAt: { type: 'string', format: 'date-time' }, retiresAt: { type: 'string', format: 'date-time' }, removesAt: { type: 'string', format: 'date-time' }, revokedAt: { type: 'string', format: 'date-time' }, reason: { type: 'string' } } },
        DryRun: { type: 'object', properties: { dryRun: { const: true }, version: { type: 'integer' }, changes: { type: 'array', items: { type: 'object', properties: { kid: { type: 'string' }, alg: { type: 'string' }, from: { type: ['string', 'null'] }, to: { type: 'string' }, activatesAt: { type: 'string' } } } }, liveGrants: { type: 'integer' } } },
        Pending: { type: 'object', properties: { status: { const: 'pending' }, requestId: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' }, approvalsNeeded: { type: 'integer' } } },
      },
    },
    paths: {
      '/keys': { get: { summary: 'The key catalog', security: secured('admin:keys'), responses: { 200: { description: 'catalog', content: { 'application/json': { schema: { type: 'object', properties: { version: { type: 'integer' }, keys: { type: 'array', items: { $ref: '#/components/schemas/Key' } } } } } } }, ...errors(401, 403) } } },
      '/keys/rotate': { post: { summary: 'Planned rotation: the next key signs once prePublish has passed', security: secured('admin:keys'), requestBody: body({ reason, alg, dryRun: { type: 'boolean' } }, ['reason']), responses: { 202: { description: 'the pending key', content: { 'application/json': { schema: { $ref: '#/components/schemas/Key' } } } }, 200: { description: 'dry run', content: { 'application/json': { schema: { $ref: '#/components/schemas/DryRun' } } } }, ...errors(400, 401, 403, 409, 429) } } },
      '/keys/rollover': { post: { summary: 'Emergency rollover: revoke the compromised key, a new key signs at once', security: secured('admin:emergency'), requestBody: body({ reason, compromisedKid: { type: 'string' }, alg, dryRun: { type: 'boolean' } }, ['reason']), responses: { 200: { description: 'done (or dry run)', content: { 'application/json': { schema: { type: 'object', properties: { version: { type: 'integer' }, activeKid: { type: 'string' }, revokedKids: { type: 'array', items: { type: 'string' } } } } } } }, 202: { description: 'waiting for a second approver', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pending' } } } }, ...errors(400, 401, 403, 404, 409) } } },
      '/keys/{kid}/revoke': { post: { summary: 'Revoke a pending or retiring key', security: secured('admin:emergency'), parameters: [{ name: 'kid', in: 'path', required: true, schema: { type: 'string' } }], requestBody: body({ reason, dryRun: { type: 'boolean' } }, ['reason']), responses: { 200: { description: 'revoked (or dry run)' }, 202: { description: 'waiting for a second approver', content: { 'application/json': { schema: { $ref: '#/components/schemas/Pending' } } } }, ...errors(400, 401, 403, 404, 409) } } },
      '/emergency/{requestId}/approve': { post: { summary: 'Second approval of an emergency request (admin.emergencyApprovals: 2)', security: secured('admin:emergency'), parameters: [{ name: 'requestId', in: 'path', required: true, schema: { type: 'string' } }], requestBody: body({ reason }, ['reason']), responses: { 200: { description: 'carried out' }, ...errors(400, 401, 403, 404, 409, 410) } } },
      '/audit': { get: { summary: 'Audit events, newest first', security: secured('admin:audit'), parameters: [{ name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 1000, default: 50 } }], responses: { 200: { description: 'events' }, ...errors(400, 401, 403) } } },
      '/audit/verify': { get: { summary: 'Verify the hash chain of the audit log', security: secured('admin:audit'), responses: { 200: { description: 'result', content: { 'application/json': { schema: { type: 'object', properties: { ok: { type: 'boolean' }, checked: { type: 'integer' }, firstBad: { type: 'object' } } } } } }, ...errors(401, 403) } } },
      ...lifecycleOpenApiPaths({ errors, body, reason, secured }),
    },
  };
}
