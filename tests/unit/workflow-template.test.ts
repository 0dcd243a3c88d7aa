/** Step input templates: `{{input}}`, `{{steps.<id>.output}}`, paths, whole vs embedded. */
import { describe, expect, it } from 'vitest';
import {
  parseReference,
  referencesOf,
  renderTemplate,
  type TemplateScope,
} from '../../shared/core/workflows/template.js';

const scope = (input: unknown, outputs: Record<string, unknown> = {}): TemplateScope => ({
  input,
  outputs: new Map(Object.entries(outputs)),
});

describe('renderTemplate: whole-string placeholders keep the value', () => {
  it('renders {{input}} as the workflow input itself, objects staying objects', () => {
    // Prepare
    const input = { repo: 'agent-core', files: ['a.ts', 'b.ts'] };

    // Act
    const rendered = renderTemplate('{{input}}', scope(input));

    // Assess
    expect(rendered).toEqual(input);
  });

  it('renders {{steps.x.output}} as that step output, whatever its type', () => {
    // Prepare
    const s = scope('ignored', { scan: { findings: 3 }, count: 7, flag: false, none: null });

    // Act / Assess
    expect(renderTemplate('{{steps.scan.output}}', s)).toEqual({ findings: 3 });
    expect(renderTemplate('{{steps.count.output}}', s)).toBe(7);
    expect(renderTemplate('{{steps.flag.output}}', s)).toBe(false);
    expect(renderTemplate('{{steps.none.output}}', s)).toBeNull();
  });

  it('tolerates spaces inside the braces', () => {
    expect(renderTemplate('{{  input  }}', scope(42))).toBe(42);
    expect(renderTemplate('{{ steps.a.output }}', scope(null, { a: [1] }))).toEqual([1]);
  });

  it('follows a path into objects and arrays', () => {
    // Prepare
    const s = scope(
      { repo: { name: 'core', tags: ['x', 'y'] } },
      { a: { list: [{ v: 1 }, { v: 2 }] } },
    );

    // Act / Assess
    expect(renderTemplate('{{input.repo.name}}', s)).toBe('core');
    expect(renderTemplate('{{input.repo.tags.1}}', s)).toBe('y');
    expect(renderTemplate('{{steps.a.output.list.1.v}}', s)).toBe(2);
    expect(renderTemplate('{{steps.a.output.list.0}}', s)).toEqual({ v: 1 });
  });

  it('follows a path into JSON text as into the value it encodes', () => {
    // Prepare
    const s = scope('{"repo": {"name": "core"}}', { a: '{"k": {"n": 3}, "xs": [10, 20]}' });

    // Act / Assess
    expect(renderTemplate('{{input.repo.name}}', s)).toBe('core');
    expect(renderTemplate('{{steps.a.output.k}}', s)).toEqual({ n: 3 });
    expect(renderTemplate('{{steps.a.output.xs.1}}', s)).toBe(20);
    // The whole text, without a path, stays text.
    expect(renderTemplate('{{steps.a.output}}', s)).toBe('{"k": {"n": 3}, "xs": [10, 20]}');
  });

  it('renders null for a missing path, a path into text that is not JSON, and a step with no output', () => {
    // Prepare
    const s = scope({ a: 1 }, { plain: 'not json' });

    // Act / Assess
    expect(renderTemplate('{{input.b}}', s)).toBeNull();
    expect(renderTemplate('{{input.a.b}}', s)).toBeNull();
    expect(renderTemplate('{{steps.plain.output.x}}', s)).toBeNull();
    expect(renderTemplate('{{steps.missing.output}}', s)).toBeNull();
  });

  it('does not read inherited properties through a path', () => {
    // Prepare
    const s = scope({ a: 1 }, { o: { k: 1 } });

    // Act / Assess: nothing the caller did not put there comes out (no functions, no prototypes).
    expect(renderTemplate('{{input.constructor}}', s)).toBeNull();
    expect(renderTemplate('{{input.__proto__}}', s)).toBeNull();
    expect(renderTemplate('{{steps.o.output.toString}}', s)).toBeNull();
    expect(renderTemplate('x={{input.constructor}}', s)).toBe('x=null');
  });
});

describe('renderTemplate: placeholders inside longer strings become text', () => {
  it('inserts strings as they are and anything else as JSON', () => {
    // Prepare
    const s = scope({ n: 2 }, { a: 'alpha', b: { x: [1, 2] }, c: 3, d: null });

    // Act
    const rendered = renderTemplate(
      'a={{steps.a.output}} b={{steps.b.output}} c={{steps.c.output}} d={{steps.d.output}} in={{input}}',
      s,
    );

    // Assess
    expect(rendered).toBe('a=alpha b={"x":[1,2]} c=3 d=null in={"n":2}');
  });

  it('renders several placeholders, including the same one twice', () => {
    expect(renderTemplate('{{input}} and {{input}}', scope('x'))).toBe('x and x');
  });

  it('renders a missing value as null text', () => {
    expect(renderTemplate('got {{steps.nope.output}}', scope(null))).toBe('got null');
  });

  it('leaves a malformed placeholder as it was', () => {
    // Act / Assess
    expect(renderTemplate('{{foo}}', scope('x'))).toBe('{{foo}}');
    expect(renderTemplate('a {{steps.x}} b', scope('x'))).toBe('a {{steps.x}} b');
    expect(renderTemplate('no placeholders at all', scope('x'))).toBe('no placeholders at all');
  });
});

describe('renderTemplate: JSON templates', () => {
  it('renders nested objects and arrays member by member', () => {
    // Prepare
    const template = {
      task: 'review {{input.repo}}',
      findings: '{{steps.scan.output}}',
      nested: { list: ['{{steps.scan.output.count}}', 'n={{steps.scan.output.count}}', 5] },
      keep: { number: 1, bool: true, nothing: null },
    };
    const s = scope({ repo: 'core' }, { scan: { count: 4 } });

    // Act
    const rendered = renderTemplate(template, s);

    // Assess
    expect(rendered).toEqual({
      task: 'review core',
      findings: { count: 4 },
      nested: { list: [4, 'n=4', 5] },
      keep: { number: 1, bool: true, nothing: null },
    });
  });

  it('returns non-string scalars as they are', () => {
    expect(renderTemplate(12, scope('x'))).toBe(12);
    expect(renderTemplate(null, scope('x'))).toBeNull();
    expect(renderTemplate(true, scope('x'))).toBe(true);
  });

  it('does not change the template it renders', () => {
    // Prepare
    const template = { a: ['{{input}}'] };

    // Act
    renderTemplate(template, scope('x'));

    // Assess
    expect(template).toEqual({ a: ['{{input}}'] });
  });
});

describe('parseReference and referencesOf', () => {
  it('parses input and step references with their paths', () => {
    expect(parseReference('input')).toEqual({ kind: 'input', path: [] });
    expect(parseReference('input.a.0')).toEqual({ kind: 'input', path: ['a', '0'] });
    expect(parseReference('steps.scan.output')).toEqual({ kind: 'step', stepId: 'scan', path: [] });
    expect(parseReference('steps.scan.output.x.y')).toEqual({
      kind: 'step',
      stepId: 'scan',
      path: ['x', 'y'],
    });
  });

  it.each(['steps', 'steps.scan', 'steps.scan.result', 'steps..output', 'output', 'inputs'])(
    'refuses %s',
    (expression) => {
      expect(parseReference(expression)).toBeUndefined();
    },
  );

  it('lists every placeholder of a nested template, malformed ones without a ref', () => {
    // Act
    const found = referencesOf({
      a: ['{{input}} {{steps.b.output.x}}', '{{bad}}'],
      c: { d: '{{ steps.c.output }}' },
      e: 3,
    });

    // Assess
    expect(found).toEqual([
      { expression: 'input', ref: { kind: 'input', path: [] } },
      { expression: 'steps.b.output.x', ref: { kind: 'step', stepId: 'b', path: ['x'] } },
      { expression: 'bad' },
      { expression: 'steps.c.output', ref: { kind: 'step', stepId: 'c', path: [] } },
    ]);
  });

  it('finds nothing in a template without placeholders, or in no template', () => {
    expect(referencesOf('plain')).toEqual([]);
    expect(referencesOf(undefined)).toEqual([]);
    expect(referencesOf({ a: [1, null] })).toEqual([]);
  });
});
