/** The builders `adminOpenApi` shares, so these paths read like the rest of the document. */
export interface OpenApiParts {
  errors(...codes: number[]): Record<string, unknown>;
  body(properties: Record<string, unknown>, required: string[]): Record<string, unknown>;
  reason: Record<string, unknown>;
  secured(scope: string): unknown[];
}

/** The OpenAPI paths of the client and user routes (scope `admin:clients`). */
export function lifecycleOpenApiPaths({ errors, body, reason, secured }: OpenApiParts): Record<string, unknown> {
  const security = secured('admin:clients');
  const id = [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }];
  const username = [{ name: 'username', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9._@+-]{1,128}$' } }];
  const client = { type: 'object', description: 'the client metadata (never its secret), plus public and createdAt', properties: { client_id: { type: 'string' }, public: { type: 'boolean' }, createdAt: { type: 'string', format: 'date-time' } } };
  const user = { type: 'object', properties: { sub: { type: 'string' }, username: { type: 'string' }, roles: { type: 'array', items: { type: 'string' } }, disabled: { type: 'boolean' } } };
  const json = (schema: unknown) => ({ 'application/json': { schema } });
  const change = body({ reason }, ['reason']);
  const toggle = (summary: string) => ({ post: { summary, security, parameters: username, requestBody: change, responses: { 200: { description: 'the user', content: json({ ...user, properties: { ...user.properties, artifactsDeleted: { type: 'integer' } } }) }, ...errors(400, 401, 403, 404) } } });
  return {
    '/clients': { get: { summary: 'Registered clients, without secrets', security, responses: { 200: { description: 'clients', content: json({ type: 'object', properties: { clients: { type: 'array', items: client } } }) }, ...errors(401, 403) } } },
    '/clients/{id}': {
      get: { summary: 'One client, without its secret', security, parameters: id, responses: { 200: { description: 'the client', content: json(client) }, ...errors(401, 403, 404) } },
      delete: { summary: 'Remove a client and delete everything issued to it, at once on every instance', security, parameters: id, requestBody: change, responses: { 200: { description: 'removed', content: json({ type: 'object', properties: { client_id: { type: 'string' }, removed: { const: true }, artifactsDeleted: { type: 'integer' } } }) }, ...errors(400, 401, 403, 404) } },
    },
    '/clients/{id}/rotate-secret': { post: { summary: 'Replace a confidential client\'s secret; the new one is shown once, the old one stops working at once', security, parameters: id, requestBody: change, responses: { 200: { description: 'the new secret', content: json({ type: 'object', properties: { client_id: { type: 'string' }, client_secret: { type: 'string' } } }) }, ...errors(400, 401, 403, 404, 409) } } },
    '/users': { get: { summary: 'Users with their roles and state', security, responses: { 200: { description: 'users', content: json({ type: 'object', properties: { users: { type: 'array', items: user } } }) }, ...errors(401, 403) } } },
    '/users/{username}/disable': toggle('Disable a user and delete their grants, tokens and sessions at once'),
    '/users/{username}/enable': toggle('Enable a user again (their deleted grants stay deleted)'),
  };
}
