import { describe, expect, it } from '@jest/globals';
import { adminOpenApi } from '../../../src/admin/openapi.js';
import { rolloverBody } from '../../../src/admin/schemas.js';

type Doc = { paths: Record<string, Record<string, { requestBody?: { content: { 'application/json': { schema: { required?: string[]; additionalProperties?: boolean; properties: Record<string, unknown> } } } } }>> };

describe('the admin API\'s OpenAPI document', () => {
  const doc = adminOpenApi('https://auth.example.com') as unknown as Doc;
  const requestSchemas = Object.entries(doc.paths).flatMap(([path, methods]) => Object.entries(methods)
    .filter(([, operation]) => operation.requestBody)
    .map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation.requestBody!.content['application/json'].schema] as const));

  it('describes every change with a body that requires a reason and refuses unknown members, as the validators do', () => {
    expect(requestSchemas.length).toBeGreaterThanOrEqual(8);
    for (const [, schema] of requestSchemas) {
      expect(schema.required).toContain('reason');
      expect(schema.additionalProperties).toBe(false);
    }
  });

  it('is generated from the zod schema the route validates with: the same members', () => {
    const rollover = requestSchemas.find(([name]) => name === 'POST /keys/rollover')![1];
    expect(Object.keys(rollover.properties).sort()).toEqual(Object.keys(rolloverBody.shape).sort());
  });
});
