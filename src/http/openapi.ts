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
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: '社区公益基金账本 API',
      version: '1.0.0',
      description: 'Double-entry ledger, grant rounds and public disclosure for community welfare stations and foundations.',
    },
    servers: [{ url: '/' }],
  });
}
