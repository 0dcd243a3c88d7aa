/** Reading the blueprints (`GET /v1/blueprints`), paged as every list of the API is. */
import { NotFoundError, ValidationError } from '../errors.js';
import type { Page, PageRequest } from '../ports.js';
import { publicBlueprint } from './blueprint.js';
import { BLUEPRINTS, findBlueprint } from './catalogue.js';

export type PublicBlueprint = ReturnType<typeof publicBlueprint>;

/** In catalogue order; the cursor is the id of the last blueprint of the previous page. */
export function listBlueprints(request: PageRequest): Page<PublicBlueprint> {
  const after =
    request.cursor === undefined ? -1 : BLUEPRINTS.findIndex((b) => b.id === request.cursor);
  if (request.cursor !== undefined && after === -1) {
    throw new ValidationError('invalid cursor', [
      { path: 'cursor', message: 'not a cursor returned by this listing' },
    ]);
  }
  const start = after + 1;
  const items = BLUEPRINTS.slice(start, start + request.limit);
  const more = start + request.limit < BLUEPRINTS.length;
  return {
    items: items.map(publicBlueprint),
    nextCursor: more ? (items.at(-1)?.id ?? null) : null,
  };
}

export function getBlueprint(id: string): PublicBlueprint {
  const blueprint = findBlueprint(id);
  if (!blueprint) throw new NotFoundError(`blueprint '${id.slice(0, 64)}' not found`);
  return publicBlueprint(blueprint);
}
