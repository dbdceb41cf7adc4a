// Reading untyped pack.json values while remembering where they came from, so every complaint names
// the JSON path of the field ("generator.styleLayers[3].kind") and what it must be.
import { EngineError } from '../errors';

export interface Field {
  readonly path: string; // '' for the top level
  readonly value: unknown;
}

export function rootField(value: unknown): Field {
  return { path: '', value };
}

/** Throws PackInvalid: "pack.json: <path> is <value>; must be <expected>". */
export function invalid(field: Field, expected: string): never {
  throw packInvalid(`${pathLabel(field.path)} ${describeValue(field.value)}; must be ${expected}`);
}

/** Throws PackInvalid with a free-form message (cross-checks between fields). */
export function packInvalid(message: string): EngineError {
  return new EngineError('PackInvalid', `pack.json: ${message}`);
}

export function pathLabel(path: string): string {
  return path === '' ? 'the top level' : path;
}

export function childPath(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  if (/^[A-Za-z_$][\w$]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

export function asObject(field: Field): Readonly<Record<string, unknown>> {
  const { value } = field;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) invalid(field, 'an object');
  return value as Record<string, unknown>;
}

export function member(field: Field, key: string): Field {
  const object = asObject(field);
  return { path: childPath(field.path, key), value: Object.hasOwn(object, key) ? object[key] : undefined };
}

export function entries(field: Field): Array<[string, Field]> {
  const object = asObject(field);
  return Object.keys(object).map((key) => [key, { path: childPath(field.path, key), value: object[key] }]);
}

export function items(field: Field, { minLength = 0, maxLength }: { minLength?: number; maxLength: number }): Field[] {
  if (!Array.isArray(field.value)) invalid(field, minLength > 0 ? 'a non-empty array' : 'an array');
  const array: unknown[] = field.value;
  if (array.length < minLength) invalid(field, minLength === 1 ? 'a non-empty array' : `an array of at least ${minLength}`);
  if (array.length > maxLength) invalid(field, `an array of at most ${maxLength} entries (it has ${array.length})`);
  return array.map((value, i) => ({ path: childPath(field.path, i), value }));
}

/** Longest string pack.json may hold anywhere (descriptions, licences, names, templates). */
export const MAX_STRING_LENGTH = 2000;

export function asString(field: Field, { pattern, what }: { pattern?: RegExp; what?: string } = {}): string {
  const { value } = field;
  if (typeof value !== 'string') invalid(field, what ?? 'a string');
  if (value.length > MAX_STRING_LENGTH) invalid(field, `${what ?? 'a string'} of at most ${MAX_STRING_LENGTH} characters (it has ${value.length})`);
  if (pattern && !pattern.test(value)) invalid(field, what ?? `a string matching ${pattern}`);
  return value;
}

export function asBoolean(field: Field): boolean {
  if (typeof field.value !== 'boolean') invalid(field, 'true or false');
  return field.value;
}

export function asNumber(field: Field, { positive = false }: { positive?: boolean } = {}): number {
  const { value } = field;
  const expected = positive ? 'a number > 0' : 'a finite number';
  if (typeof value !== 'number' || !Number.isFinite(value)) invalid(field, expected);
  if (positive && !(value > 0)) invalid(field, expected);
  return value;
}

export function asInteger(field: Field, { min = 0, max }: { min?: number; max?: number } = {}): number {
  const { value } = field;
  const expected =
    max === undefined
      ? min === 0 ? 'an integer ≥ 0' : `an integer ≥ ${min}`
      : `an integer from ${min} to ${max}`;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || (max !== undefined && value > max)) {
    invalid(field, expected);
  }
  return value;
}

export function asOneOf<T extends string>(field: Field, choices: readonly T[]): T {
  if (typeof field.value !== 'string' || !(choices as readonly string[]).includes(field.value)) {
    invalid(field, `one of: ${choices.join(', ')}`);
  }
  return field.value as T;
}

/** An array of exactly `length` finite numbers. */
export function asNumberArray(field: Field, length: number, { positive = false }: { positive?: boolean } = {}): number[] {
  if (!Array.isArray(field.value) || field.value.length !== length) {
    invalid(field, `an array of ${length} number${length === 1 ? '' : 's'}`);
  }
  return items(field, { maxLength: length }).map((item) => asNumber(item, { positive }));
}

function describeValue(value: unknown): string {
  if (value === undefined) return 'is missing';
  if (Array.isArray(value)) return `is an array of ${value.length}`;
  if (value === null) return 'is null';
  if (typeof value === 'object') return 'is an object';
  const text = JSON.stringify(value);
  return `is ${text.length > 60 ? `${text.slice(0, 57)}…` : text}`;
}
