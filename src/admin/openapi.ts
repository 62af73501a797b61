import { z } from 'zod';
import { approveBody, auditQuery, kidParam, requestIdParam, revokeBody, rolloverBody, rotateBody } from './schemas.js';
import { clientIdParam, lifecycleChangeBody, usernameParam } from './lifecycle-schemas.js';
import { auditEventsView, catalogView, chainCheckView, clientView, doneView, dryRunView, emergencyRequestView, errorView, keyView, pendingView, readinessView, rejectedView, streamsView, userView } from './views.js';

/** A zod schema as the JSON Schema (2020-12, OpenAPI 3.1's dialect) of what it accepts or answers. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

const ERROR_WORDS: Record<number, string> = {
  400: 'bad request body', 401: 'missing or bad token', 403: 'token lacks the scope, or the two-person rule refuses',
  404: 'no such key, request, client or user', 409: 'conflicts with the current state', 410: 'request expired', 429: 'too soon, or too many unauthenticated requests from the address (Retry-After)',
};

const json = (schema: z.ZodType) => ({ 'application/json': { schema: jsonSchema(schema, 'output') } });
const answer = (description: string, schema?: z.ZodType) => ({ description, ...(schema ? { content: json(schema) } : {}) });
const errors = (...statuses: number[]) => Object.fromEntries(statuses.map((status) => [String(status), answer(ERROR_WORDS[status]!, errorView)]));
const body = (schema: z.ZodType) => ({ required: true, content: { 'application/json': { schema: jsonSchema(schema, 'input') } } });
const pathParam = (name: string, schema: z.ZodType) => ({ name, in: 'path', required: true, schema: jsonSchema(schema, 'input') });
const secured = (scope: string) => [{ bearer: [scope] }];
const emergencyAnswers = { 200: answer('done, or the dry run', z.union([doneView, dryRunView])), 202: answer('waiting for a second approver', pendingView) };

/**
 * The OpenAPI 3.1 description of the admin API, served at `/admin/openapi.json`: request and
 * response schemas are generated from the zod schemas the routes validate with and answer in.
 */
export function adminOpenApi(issuer: string): Record<string, unknown> {
  const clientsSecurity = secured('admin:clients');
  const userToggle = (summary: string) => ({
    post: { summary, security: clientsSecurity, parameters: [pathParam('username', usernameParam)], requestBody: body(lifecycleChangeBody), responses: { 200: answer('the user', userView.extend({ artifactsDeleted: z.number().int() })), ...errors(400, 401, 403, 404) } },
  });
  return {
    openapi: '3.1.0',
    info: { title: 'Rotor admin API', version: '1' },
    servers: [{ url: `${issuer}/admin` }],
    components: {
      securitySchemes: {
        bearer: { type: 'oauth2', flows: { clientCredentials: { tokenUrl: `${issuer}/token`, scopes: { 'admin:keys': 'read the catalog, planned rotation', 'admin:emergency': 'rollover, revoke and approve', 'admin:audit': 'read and verify the audit log', 'admin:clients': 'list, remove and rotate clients; disable and enable users' } } } },
      },
    },
    paths: {
      '/keys': { get: { summary: 'The key catalog', security: secured('admin:keys'), responses: { 200: answer('catalog', catalogView), ...errors(401, 403) } } },
      '/keys/readiness': { get: { summary: 'Rotation readiness: for each pending key, the /jwks consumers seen within readiness.window and whether each holds it', security: secured('admin:keys'), responses: { 200: answer('readiness', readinessView), ...errors(401, 403), 503: answer('Redis unreachable (Retry-After)', errorView) } } },
      '/keys/rotate': { post: { summary: 'Planned rotation: the next key signs once prePublish has passed', security: secured('admin:keys'), requestBody: body(rotateBody), responses: { 202: answer('the pending key', keyView), 200: answer('dry run', dryRunView), ...errors(400, 401, 403, 409, 429) } } },
      '/keys/rollover': { post: { summary: 'Emergency rollover: revoke the compromised key, a new key signs at once', security: secured('admin:emergency'), requestBody: body(rolloverBody), responses: { ...emergencyAnswers, ...errors(400, 401, 403, 404, 409) } } },
      '/keys/{kid}/revoke': { post: { summary: 'Revoke a pending or retiring key', security: secured('admin:emergency'), parameters: [pathParam('kid', kidParam)], requestBody: body(revokeBody), responses: { ...emergencyAnswers, ...errors(400, 401, 403, 404, 409) } } },
      '/emergency/{requestId}/approve': { post: { summary: 'Second approval of an emergency request (admin.emergencyApprovals: 2)', security: secured('admin:emergency'), parameters: [pathParam('requestId', requestIdParam)], requestBody: body(approveBody), responses: { 200: answer('carried out', doneView), ...errors(400, 401, 403, 404, 409, 410) } } },
      '/emergency': { get: { summary: 'Emergency requests waiting for a second person (neither decided nor expired), oldest first', security: secured('admin:emergency'), responses: { 200: answer('requests', z.object({ requests: z.array(emergencyRequestView) })), ...errors(401, 403) } } },
      '/emergency/{requestId}/reject': { post: { summary: 'Turn an emergency request down: nothing changes and nobody can approve it afterwards', security: secured('admin:emergency'), parameters: [pathParam('requestId', requestIdParam)], requestBody: body(approveBody), responses: { 200: answer('rejected', rejectedView), ...errors(400, 401, 403, 404, 409, 410) } } },
      '/audit': { get: { summary: 'Audit events, newest first', security: secured('admin:audit'), parameters: [{ name: 'limit', in: 'query', schema: jsonSchema(auditQuery.shape.limit, 'input') }], responses: { 200: answer('events', auditEventsView), ...errors(400, 401, 403) } } },
      '/audit/verify': { get: { summary: 'Verify the keyed hash chain of the audit log, and hold it to the newest anchor', security: secured('admin:audit'), responses: { 200: answer('result', chainCheckView), ...errors(401, 403) } } },
      '/clients': { get: { summary: 'Registered clients, without secrets', security: clientsSecurity, responses: { 200: answer('clients', z.object({ clients: z.array(clientView) })), ...errors(401, 403) } } },
      '/clients/{id}': {
        get: { summary: 'One client, without its secret', security: clientsSecurity, parameters: [pathParam('id', clientIdParam)], responses: { 200: answer('the client', clientView), ...errors(401, 403, 404) } },
        delete: { summary: 'Remove a client and delete everything issued to it, at once on every instance', security: clientsSecurity, parameters: [pathParam('id', clientIdParam)], requestBody: body(lifecycleChangeBody), responses: { 200: answer('removed', z.object({ client_id: z.string(), removed: z.literal(true), artifactsDeleted: z.number().int() })), ...errors(400, 401, 403, 404) } },
      },
      '/clients/{id}/rotate-secret': { post: { summary: 'Replace a confidential client\'s secret; the new one is shown once, the old one stops working at once', security: clientsSecurity, parameters: [pathParam('id', clientIdParam)], requestBody: body(lifecycleChangeBody), responses: { 200: answer('the new secret', z.object({ client_id: z.string(), client_secret: z.string() })), ...errors(400, 401, 403, 404, 409) } } },
      '/streams': { get: { summary: 'Security-event (SSF) streams and their deliveries', security: secured('admin:keys'), responses: { 200: answer('streams', streamsView), ...errors(401, 403) } } },
      '/users': { get: { summary: 'Users with their roles and state', security: clientsSecurity, responses: { 200: answer('users', z.object({ users: z.array(userView) })), ...errors(401, 403) } } },
      '/users/{username}/disable': userToggle('Disable a user and delete their grants, tokens and sessions at once'),
      '/users/{username}/enable': userToggle('Enable a user again (their deleted grants stay deleted)'),
    },
  };
}
