/**
 * Step input templates: `{{input}}` is the workflow input, `{{steps.<id>.output}}` an earlier
 * step's output; either may go on into the value with `.field` or `.0` (`{{input.repo}}`).
 *
 * A string that is exactly one placeholder becomes the value itself (an object stays an object);
 * placeholders inside longer strings are replaced by text (strings as they are, anything else as
 * JSON). Objects and arrays are rendered member by member, so a template may be any JSON.
 */

const PLACEHOLDER = /\{\{\s*([^{}]+?)\s*\}\}/g;
const WHOLE = /^\{\{\s*([^{}]+?)\s*\}\}$/;

export interface TemplateScope {
  input: unknown;
  /** Outputs of the steps that finished, by step id. */
  outputs: ReadonlyMap<string, unknown>;
}

/** A placeholder's reference: the workflow input, or a step's output, and a path inside it. */
export type Reference =
  | { kind: 'input'; path: string[] }
  | { kind: 'step'; stepId: string; path: string[] };

export function parseReference(expression: string): Reference | undefined {
  const parts = expression.split('.');
  if (parts[0] === 'input') return { kind: 'input', path: parts.slice(1) };
  if (parts[0] === 'steps' && parts.length >= 3 && parts[2] === 'output' && parts[1]) {
    return { kind: 'step', stepId: parts[1], path: parts.slice(3) };
  }
  return undefined;
}

/** Every placeholder in a template, parsed; `undefined` entries are malformed ones. */
export function referencesOf(template: unknown): { expression: string; ref?: Reference }[] {
  const found: { expression: string; ref?: Reference }[] = [];
  visitStrings(template, (text) => {
    for (const match of text.matchAll(PLACEHOLDER)) {
      const expression = match[1] ?? '';
      const ref = parseReference(expression);
      found.push(ref ? { expression, ref } : { expression });
    }
  });
  return found;
}

export function renderTemplate(template: unknown, scope: TemplateScope): unknown {
  if (typeof template === 'string') {
    const whole = WHOLE.exec(template);
    if (whole) return resolve(whole[1] ?? '', scope);
    return template.replace(PLACEHOLDER, (_, expression: string) =>
      asText(resolve(expression, scope)),
    );
  }
  if (Array.isArray(template)) return template.map((item) => renderTemplate(item, scope));
  if (template && typeof template === 'object') {
    return Object.fromEntries(
      Object.entries(template).map(([key, value]) => [key, renderTemplate(value, scope)]),
    );
  }
  return template;
}

function resolve(expression: string, scope: TemplateScope): unknown {
  const ref = parseReference(expression);
  if (!ref) return `{{${expression}}}`;
  const base = ref.kind === 'input' ? scope.input : scope.outputs.get(ref.stepId);
  return walk(base, ref.path);
}

/** Follows a path into a value; a JSON string is looked into as what it encodes. */
function walk(value: unknown, path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current === 'string') {
      try {
        current = JSON.parse(current);
      } catch {
        return null;
      }
    }
    // Own properties only: `{{input.constructor}}` must not reach a prototype (or a function).
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key))
      return null;
    current = (current as Record<string, unknown>)[key];
  }
  return current === undefined ? null : current;
}

const asText = (value: unknown): string =>
  typeof value === 'string' ? value : JSON.stringify(value ?? null);

function visitStrings(value: unknown, visit: (text: string) => void): void {
  if (typeof value === 'string') visit(value);
  else if (Array.isArray(value)) for (const item of value) visitStrings(item, visit);
  else if (value && typeof value === 'object') {
    for (const item of Object.values(value)) visitStrings(item, visit);
  }
}
