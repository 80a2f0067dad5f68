/**
 * zod with the `.openapi()` metadata method. Every schema module imports this first, so the
 * method exists whichever module loads first (a unit test may load a schema without the app).
 */
import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

extendZodWithOpenApi(z);

export { z };
