/**
 * The limits every JSON document a caller sends must keep (API.md, Conventions): free-form JSON
 * (task input, metadata, message bodies, tool inputs) nests at most 64 levels and uses none of
 * the keys `__proto__`, `constructor` or `prototype`, which code merging objects would turn into
 * a change of a prototype.
 *
 * Checked on the whole parsed document, once, where it comes in (the HTTP edge, the WebSocket
 * feed), so that no route can forget it: levels are counted from the document's own fields, so
 * a value in a top-level field (`input`, `metadata`, `body`) may nest 64 levels and one placed
 * deeper (a step's input, a scripted turn's tool input) counts the levels above it too. The walk
 * is iterative, and it stops at the limit: nothing recursive (zod, hashing, marshalling, a
 * stringify) ever meets a document deeper than that. JSON.parse itself does not recurse in V8.
 */
import type { FieldIssue } from './errors.js';

export const MAX_JSON_DEPTH = 64;
export const FORBIDDEN_JSON_KEYS: ReadonlySet<string> = new Set([
  '__proto__',
  'constructor',
  'prototype',
]);

/** A place in the document: its key in its parent, and that parent (a linked path, not copied). */
interface Place {
  key: string | number;
  parent: Place | undefined;
}

const pathOf = (place: Place | undefined): string => {
  const keys: (string | number)[] = [];
  for (let at = place; at; at = at.parent) keys.push(at.key);
  return keys.reverse().join('.');
};

/**
 * What breaks the limits in a parsed JSON value, each with its path (at most `maxIssues`); empty
 * when nothing does. The document itself is level 0: its fields' values start at level 1.
 */
export function jsonLimitIssues(value: unknown, maxIssues = 10): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const pending: { value: unknown; place: Place | undefined; depth: number }[] = [
    { value, place: undefined, depth: 0 },
  ];
  while (pending.length > 0 && issues.length < maxIssues) {
    const { value: current, place, depth } = pending.pop() as (typeof pending)[number];
    if (current === null || typeof current !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) {
      issues.push({
        path: pathOf(place),
        message: `nests deeper than ${MAX_JSON_DEPTH} levels`,
      });
      continue;
    }
    if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) {
        pending.push({ value: current[i], place: { key: i, parent: place }, depth: depth + 1 });
      }
      continue;
    }
    const keys = Object.keys(current);
    for (let i = keys.length - 1; i >= 0; i--) {
      const key = keys[i] as string;
      const child: Place = { key, parent: place };
      if (FORBIDDEN_JSON_KEYS.has(key)) {
        issues.push({
          path: pathOf(child),
          message: 'not allowed as a key (__proto__, constructor and prototype never are)',
        });
        continue;
      }
      pending.push({
        value: (current as Record<string, unknown>)[key],
        place: child,
        depth: depth + 1,
      });
    }
  }
  return issues;
}
