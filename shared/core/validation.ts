/** Turns zod failures into a ValidationError with one entry per bad field, named by its path. */
import type { z } from 'zod';
import { type FieldIssue, ValidationError } from './errors.js';

/** A missing value, whether or not the parse reported inputs (zod says "received undefined"). */
const isMissing = (issue: z.core.$ZodIssue): boolean =>
  ('input' in issue && issue.input === undefined) || issue.message.endsWith('received undefined');

export function issuesOf(error: z.ZodError, prefix = ''): FieldIssue[] {
  const issues: FieldIssue[] = [];
  for (const issue of error.issues) {
    const base = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        issues.push({ path: base ? `${base}.${key}` : key, message: 'unknown field' });
      }
    } else if (issue.code === 'invalid_type' && isMissing(issue)) {
      issues.push({ path: base, message: 'required' });
    } else {
      issues.push({ path: base, message: issue.message });
    }
  }
  return issues;
}

/** Parses `value` or throws a ValidationError naming every bad field. */
export function parseInput<S extends z.ZodType>(
  schema: S,
  value: unknown,
  what: string,
  prefix = '',
): z.output<S> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) return result.data;
  const details = issuesOf(result.error, prefix);
  const fields = details.map((d) => d.path || '(body)').join(', ');
  throw new ValidationError(`invalid ${what}: ${fields}`, details);
}
