/** `GET /openapi.json`: the OpenAPI 3.1 document of the whole API, public, built once per process. */

import { settings } from '../../shared/runtime/config.js';
import { createHttpApi, ok } from '../../shared/runtime/http-api.js';
import { implement, routeKeyOf } from '../../shared/runtime/http-contract.js';
import { httpHandler } from '../../shared/runtime/lambda-handler.js';
import { createLogger } from '../../shared/runtime/logger.js';
import { openApiDocument } from '../../shared/runtime/openapi.js';
import { once } from '../../shared/runtime/wiring.js';
import { allRoutes, openApiRoutes } from './openapi-contract.js';

const logger = createLogger('kernel');

export const apiDocument = once(() =>
  openApiDocument(allRoutes, { version: settings().AGENT_CORE_VERSION }),
);

export const openApiApi = createHttpApi(
  implement(openApiRoutes, {
    document: async () => ({
      ...ok(apiDocument()),
      // The same for everyone until the next deploy: caches may keep it a few minutes.
      headers: { 'cache-control': 'public, max-age=300' },
    }),
  }),
  { publicRoutes: [routeKeyOf(openApiRoutes.document)] },
);

export const handler = httpHandler(openApiApi, logger);
