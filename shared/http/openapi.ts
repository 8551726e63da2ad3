// An OpenAPI 3.1 document built from the valibot schemas the routes validate with (and those that describe what
// they answer), so the description cannot drift from the code: one table of routes (functions/web/api.ts) feeds
// both this document and the test that checks every Hono route is in it and every real answer matches it.
import { toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import type { ConversionConfig, JsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';

type AnySchema = v.GenericSchema;
type ObjectSchema = v.ObjectSchema<v.ObjectEntries, undefined> | v.StrictObjectSchema<v.ObjectEntries, undefined> | v.LooseObjectSchema<v.ObjectEntries, undefined>;

export interface ApiRoute {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Hono's form: `/assets/:id` */
  path: string;
  summary: string;
  tag: string;
  /** who may call it: `public` needs no token (signed URLs carry their own authorisation) */
  role: 'public' | 'viewer' | 'editor' | 'admin';
  query?: ObjectSchema;
  /** the JSON body's schema, or the content type of a body that is not JSON (a CSV upload) */
  body?: AnySchema | { contentType: string };
  /** status → JSON schema of the body; `null` for an empty body (204), a string for a non-JSON content type */
  responses: Record<number, AnySchema | null | { contentType: string }>;
}

/** Problem details (RFC 9457) every error answers with. */
export const ProblemSchema = v.looseObject({
  type: v.string(),
  title: v.string(),
  status: v.number(),
  detail: v.optional(v.string()),
  instance: v.optional(v.string()),
  requestId: v.optional(v.string()),
  issues: v.optional(v.array(v.object({ path: v.string(), message: v.string(), /** a metadata schema field the issue is about */ field: v.optional(v.string()) }))),
  /** 409 on an upload whose SHA-256 is already in the project: that asset */
  duplicateOf: v.optional(v.string()),
});

/** Hono path → OpenAPI path (`/assets/:id` → `/assets/{id}`). */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_]\w*)/g, '{$1}');
}

/** The components' names of the shared schemas, found by identity so a route can name `Asset` rather than repeat it. */
function conversionConfig(definitions: Record<string, AnySchema>): ConversionConfig {
  return {
    target: 'draft-2020-12',
    // requests are described as a client sends them (before transforms), answers as they are
    typeMode: 'input',
    // checks without a JSON Schema form (control characters, calendar dates) stay in the validation only
    errorMode: 'ignore',
    definitions,
    overrideRef: ({ referenceId }) => `#/components/schemas/${referenceId}`,
  };
}

export function openApiDocument(routes: readonly ApiRoute[], info: { title: string; version: string; description: string }, definitions: Record<string, AnySchema>) {
  const config = conversionConfig(definitions);
  const schema = (s: AnySchema): JsonSchema => {
    // the definitions live once in components.schemas, not repeated in every schema
    const { $schema: _schema, $defs: _defs, ...rest } = toJsonSchema(s, config) as JsonSchema & { $schema?: string; $defs?: unknown };
    return rest;
  };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const parameters = [
      ...[...route.path.matchAll(/:([A-Za-z_]\w*)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(route.query?.entries ?? {}).map(([name, entry]) => ({
        name,
        in: 'query',
        required: !(entry.type === 'optional' || (entry.type === 'pipe' && (entry as unknown as { pipe: AnySchema[] }).pipe[0]!.type === 'optional')),
        schema: schema(entry as AnySchema),
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, body] of Object.entries(route.responses)) {
      const description = `HTTP ${status}`;
      if (body === null) responses[status] = { description };
      else if ('contentType' in body && typeof body.contentType === 'string') responses[status] = { description, content: { [body.contentType]: { schema: { type: 'string' } } } };
      else responses[status] = { description, content: { 'application/json': { schema: schema(body as AnySchema) } } };
    }
    responses.default = { description: 'an error, as RFC 9457 problem details', content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } };
    paths[openApiPath(route.path)] ??= {};
    paths[openApiPath(route.path)]![route.method] = {
      operationId: operationId(route),
      summary: route.summary,
      tags: [route.tag],
      ...(route.role === 'public' ? { security: [] } : { description: `Needs the ${route.role} role in the project.` }),
      ...(parameters.length ? { parameters } : {}),
      ...(route.body ? { requestBody: { required: true, content: 'contentType' in route.body && typeof route.body.contentType === 'string' ? { [route.body.contentType]: { schema: { type: 'string' } } } : { 'application/json': { schema: schema(route.body as AnySchema) } } } } : {}),
      responses,
    };
  }
  const components = toJsonSchemaDefs({ ...definitions, Problem: ProblemSchema }, config) as Record<string, JsonSchema>;
  return {
    openapi: '3.1.0',
    info,
    security: [{ bearer: [] }],
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).map(([name, s]) => { const { $schema: _schema, $defs: _defs, ...rest } = s as JsonSchema & { $schema?: string; $defs?: unknown }; return [name, rest]; })),
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
    },
  };
}

/** `GET /assets/:id/history` → `getAssetsIdHistory`: stable, readable, unique per method and path. */
export function operationId(route: Pick<ApiRoute, 'method' | 'path'>): string {
  const words = route.path.split('/').filter(Boolean).map((part) => part.replace(/^:/, '').replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase()));
  return route.method + words.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('');
}
