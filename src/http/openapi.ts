/**
 * The OpenAPI 3.1 document, generated from the same zod schemas that validate requests
 * (routes register themselves through `http/route.ts`), so the contract cannot drift.
 */
import { OpenAPIRegistry, OpenApiGeneratorV31, extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export function createRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  return registry;
}

export function openApiDocument(registry: OpenAPIRegistry): object {
  return nullableReferences(new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: '社区公益基金账本 API',
      version: '1.0.0',
      description: 'Double-entry ledger, grant rounds and public disclosure for community welfare stations and foundations.',
    },
    servers: [{ url: '/' }],
  }));
}

/**
 * zod-to-openapi writes a nullable reference (`Entry.nullable()`) as
 * `allOf: [{ $ref }, { type: ['object', 'null'] }]`, which no value can satisfy when it is
 * null: allOf needs the referenced object too. JSON Schema 2020-12 says it as
 * `anyOf: [{ $ref }, { type: 'null' }]`; the document is rewritten so.
 */
function nullableReferences<T>(node: T): T {
  if (Array.isArray(node)) return node.map(nullableReferences) as T;
  if (!node || typeof node !== 'object') return node;
  const entries = Object.entries(node as Record<string, unknown>).map(([key, value]) => [key, nullableReferences(value)] as const);
  const object = Object.fromEntries(entries) as Record<string, unknown>;
  const allOf = object.allOf;
  if (Array.isArray(allOf) && allOf.length === 2 && isRef(allOf[0]) && isNullMarker(allOf[1])) {
    const { allOf: _dropped, ...rest } = object;
    return { ...rest, anyOf: [allOf[0], { type: 'null' }] } as T;
  }
  return object as T;
}

function isRef(value: unknown): boolean {
  return typeof value === 'object' && value !== null && '$ref' in value;
}

function isNullMarker(value: unknown): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return Object.keys(value).length === 1 && Array.isArray(type) && type.includes('null');
}
