/**
 * Checks answers against the OpenAPI document: the JSON Schema of an operation's response for a
 * status, compiled by Ajv (draft 2020-12, the dialect of OpenAPI 3.1) with the document's
 * components, so every `$ref` resolves as a client would resolve it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS; under NodeNext its default export is the module object.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

interface Operation {
  operationId: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

export interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const METHODS = ['get', 'put', 'post', 'patch', 'delete'];

export function operationsOf(
  document: OpenApiDocument,
): { method: string; path: string; operation: Operation }[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.entries(item)
      .filter(([method]) => METHODS.includes(method))
      .map(([method, operation]) => ({ method: method.toUpperCase(), path, operation })),
  );
}

export class ResponseValidator {
  private readonly ajv = new Ajv2020({ strict: false, allErrors: true });
  private readonly compiled = new Map<string, ValidateFunction>();
  private readonly byId = new Map<string, Operation>();

  constructor(readonly document: OpenApiDocument) {
    addFormats(this.ajv);
    // The whole document as one schema resource: `#/components/schemas/X` refs resolve in it.
    this.ajv.addSchema({ ...document, $id: 'openapi.json' } as object);
    for (const { operation } of operationsOf(document)) {
      this.byId.set(operation.operationId, operation);
    }
  }

  /** The problems of `body` as the answer of `operationId` with `status`; empty when it fits. */
  problems(operationId: string, status: number, body: unknown): string[] {
    const operation = this.byId.get(operationId);
    if (!operation) return [`no operation ${operationId} in the document`];
    const response = operation.responses[String(status)];
    if (!response) return [`${operationId} does not document status ${status}`];
    const schema = response.content?.['application/json']?.schema;
    if (!schema) return body === undefined || body === '' ? [] : ['the answer has no body'];
    const key = `${operationId} ${status}`;
    let validate = this.compiled.get(key);
    if (!validate) {
      const [path, item] = Object.entries(this.document.paths).find(([, it]) =>
        Object.values(it).includes(operation),
      ) as [string, Record<string, Operation>];
      const method = Object.keys(item).find((m) => item[m] === operation) as string;
      const pointer = ['paths', path, method, 'responses', String(status), 'content']
        .map((part) => part.replace(/~/g, '~0').replace(/\//g, '~1'))
        .join('/');
      validate = this.ajv.getSchema(
        `openapi.json#/${pointer}/application~1json/schema`,
      ) as ValidateFunction;
      this.compiled.set(key, validate);
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (e) =>
        `${e.instancePath || '(body)'} ${e.message}${e.params ? ` ${JSON.stringify(e.params)}` : ''}`,
    );
  }
}
