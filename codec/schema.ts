// Schema types for Kafka messages: the compact form our generator writes from Kafka's JSON specs.

/** Primitive field types of Kafka's message specs. Arrays are written `[]type`; structs have `fields`. */
export type PrimitiveType =
  | 'int8' | 'int16' | 'int32' | 'int64' | 'uint16' | 'uint32' | 'float64'
  | 'bool' | 'uuid' | 'string' | 'bytes' | 'records';

/**
 * One field. Version ranges are Kafka's notation: "3+" or "0-4" (and "none" for never).
 * `type` is a primitive, `[]primitive`, `struct` (with fields) or `[]struct` (with fields).
 */
export interface FieldSpec {
  readonly name: string;
  readonly type: string;
  readonly versions: string;
  readonly nullable?: string;
  readonly tag?: number;
  readonly taggedVersions?: string;
  readonly default?: string | number | boolean | null;
  readonly fields?: readonly FieldSpec[];
}

export interface MessageSpec {
  readonly fields: readonly FieldSpec[];
}

/** The schema an API module exports: key, name, the versions we serve and where flexible versions start. */
export interface ApiSchema {
  readonly apiKey: number;
  readonly name: string;
  readonly minVersion: number;
  readonly maxVersion: number;
  /** First flexible version (compact encodings and tagged fields); Infinity when none. */
  readonly flexibleFrom: number;
  readonly request: readonly FieldSpec[];
  readonly response: readonly FieldSpec[];
}

export interface VersionRange {
  readonly min: number;
  readonly max: number;
}

export function parseRange(spec: string | undefined): VersionRange {
  if (spec === undefined || spec === 'none' || spec === '') return { min: 1, max: 0 };
  if (spec.endsWith('+')) return { min: Number(spec.slice(0, -1)), max: Infinity };
  const dash = spec.indexOf('-');
  if (dash > 0) return { min: Number(spec.slice(0, dash)), max: Number(spec.slice(dash + 1)) };
  const v = Number(spec);
  return { min: v, max: v };
}

export function inRange(r: VersionRange, version: number): boolean {
  return version >= r.min && version <= r.max;
}
