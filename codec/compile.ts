// The one schema-driven codec: compiles a field list for one version into a decoder and an encoder.
// Compilation happens once per api/version/direction; the result is a tree of closures with every
// version check, nullability and compact/flexible decision already resolved.

import { Reader, DecodeError } from './reader.ts';
import { Writer } from './writer.ts';
import { type FieldSpec, inRange, parseRange } from './schema.ts';

export type Decoded = Record<string, unknown>;

export interface StructCodec {
  read(r: Reader): Decoded;
  write(w: Writer, value: Decoded): void;
}

interface ValueCodec {
  read(r: Reader): unknown;
  write(w: Writer, value: unknown): void;
}

export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';

/** Default for a field absent from a version or missing from an object being encoded. */
export function defaultFor(f: FieldSpec): unknown {
  if (f.default !== undefined) {
    const d = f.default;
    if (d === null || d === 'null') return null;
    if (f.type === 'bool') return d === true || d === 'true';
    if (f.type.startsWith('int') || f.type.startsWith('uint') || f.type === 'float64') {
      return typeof d === 'number' ? d : Number(d);
    }
    return d;
  }
  if (f.type.startsWith('[]')) return [];
  switch (f.type) {
    case 'bool': return false;
    case 'string': return '';
    case 'uuid': return ZERO_UUID;
    case 'bytes': return new Uint8Array(0);
    case 'records': return null;
    case 'struct': return null;
    default: return 0;
  }
}

function primitive(type: string, nullable: boolean, compact: boolean): ValueCodec {
  switch (type) {
    case 'int8': return { read: (r) => r.int8(), write: (w, v) => w.int8(v as number) };
    case 'int16': return { read: (r) => r.int16(), write: (w, v) => w.int16(v as number) };
    case 'int32': return { read: (r) => r.int32(), write: (w, v) => w.int32(v as number) };
    case 'int64': return { read: (r) => r.int64(), write: (w, v) => w.int64(v as number | bigint) };
    case 'uint16': return { read: (r) => r.uint16(), write: (w, v) => w.uint16(v as number) };
    case 'uint32': return { read: (r) => r.uint32(), write: (w, v) => w.uint32(v as number) };
    case 'float64': return { read: (r) => r.float64(), write: (w, v) => w.float64(v as number) };
    case 'bool': return { read: (r) => r.bool(), write: (w, v) => w.bool(v as boolean) };
    case 'uuid': return { read: (r) => r.uuid(), write: (w, v) => w.uuid((v as string | null) ?? ZERO_UUID) };
    case 'string':
      return compact
        ? {
          read: nullable ? (r) => r.compactString() : (r) => r.compactString() ?? '',
          write: (w, v) => w.compactString(nullable ? (v as string | null) : ((v as string | null) ?? '')),
        }
        : {
          read: nullable ? (r) => r.string() : (r) => r.string() ?? '',
          write: (w, v) => w.string(nullable ? (v as string | null) : ((v as string | null) ?? '')),
        };
    case 'bytes':
    case 'records':
      return compact
        ? { read: (r) => r.compactBytes(), write: (w, v) => writeBytes(w, v, nullable, true) }
        : { read: (r) => r.bytesField(), write: (w, v) => writeBytes(w, v, nullable, false) };
    default:
      throw new Error(`unknown field type ${type}`);
  }
}

/** Bytes fields accept a Uint8Array or a list of chunks (a fetch answer's batches, without concatenating). */
function writeBytes(w: Writer, v: unknown, nullable: boolean, compact: boolean): void {
  if (v === null || v === undefined) {
    if (nullable) {
      if (compact) w.uvarint(0);
      else w.int32(-1);
      return;
    }
    v = new Uint8Array(0);
  }
  if (Array.isArray(v)) {
    let n = 0;
    for (const c of v as Uint8Array[]) n += c.length;
    if (compact) w.uvarint(n + 1);
    else w.int32(n);
    for (const c of v as Uint8Array[]) w.raw(c);
    return;
  }
  const b = v as Uint8Array;
  if (compact) w.uvarint(b.length + 1);
  else w.int32(b.length);
  w.raw(b);
}

function arrayOf(item: ValueCodec, nullable: boolean, compact: boolean): ValueCodec {
  return {
    read(r) {
      const n = compact ? r.uvarint() - 1 : r.int32();
      if (n < 0) {
        if (nullable) return null;
        return [];
      }
      if (n > r.remaining) throw new DecodeError(`array length ${n} exceeds message`);
      const out = new Array(n);
      for (let i = 0; i < n; i++) out[i] = item.read(r);
      return out;
    },
    write(w, v) {
      if (v === null || v === undefined) {
        if (nullable) {
          if (compact) w.uvarint(0);
          else w.int32(-1);
          return;
        }
        v = [];
      }
      const a = v as unknown[];
      if (compact) w.uvarint(a.length + 1);
      else w.int32(a.length);
      for (let i = 0; i < a.length; i++) item.write(w, a[i]);
    },
  };
}

function nullableStruct(inner: StructCodec, nullable: boolean): ValueCodec {
  if (!nullable) {
    return { read: (r) => inner.read(r), write: (w, v) => inner.write(w, (v ?? {}) as Decoded) };
  }
  // Nullable structs carry an int8 marker: -1 null, 1 present.
  return {
    read: (r) => (r.int8() < 0 ? null : inner.read(r)),
    write: (w, v) => {
      if (v === null || v === undefined) {
        w.int8(-1);
      } else {
        w.int8(1);
        inner.write(w, v as Decoded);
      }
    },
  };
}

function fieldCodec(f: FieldSpec, version: number, flexible: boolean): ValueCodec {
  const nullable = inRange(parseRange(f.nullable), version);
  if (f.type.startsWith('[]')) {
    const itemType = f.type.slice(2);
    const item = f.fields
      ? compileStruct(f.fields, version, flexible)
      : primitive(itemType, false, flexible);
    return arrayOf(item, nullable, flexible);
  }
  if (f.fields) return nullableStruct(compileStruct(f.fields, version, flexible), nullable);
  return primitive(f.type, nullable, flexible);
}

interface CompiledField {
  key: string;
  codec: ValueCodec;
  absent: unknown;
}

/** Lower-cases the first letter: Kafka's `TopicData` becomes `topicData`. */
export function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

function isDefault(v: unknown, d: unknown): boolean {
  if (v === undefined || v === d) return true;
  if (Array.isArray(v) && Array.isArray(d)) return v.length === 0 && d.length === 0;
  return false;
}

export function compileStruct(fields: readonly FieldSpec[], version: number, flexible: boolean): StructCodec {
  const regular: CompiledField[] = [];
  const tagged = new Map<number, CompiledField>();
  const absent: { key: string; value: unknown }[] = [];
  for (const f of fields) {
    const key = camel(f.name);
    const present = inRange(parseRange(f.versions), version);
    const isTagged = f.tag !== undefined && flexible && inRange(parseRange(f.taggedVersions ?? f.versions), version);
    if (!present) {
      absent.push({ key, value: defaultFor(f) });
      continue;
    }
    const cf: CompiledField = { key, codec: fieldCodec(f, version, flexible), absent: defaultFor(f) };
    if (isTagged) tagged.set(f.tag as number, cf);
    else regular.push(cf);
  }
  const taggedList = [...tagged.entries()].sort((a, b) => a[0] - b[0]);

  return {
    read(r) {
      const out: Decoded = {};
      for (let i = 0; i < absent.length; i++) out[absent[i].key] = cloneDefault(absent[i].value);
      for (let i = 0; i < regular.length; i++) out[regular[i].key] = regular[i].codec.read(r);
      if (flexible) {
        for (const [, cf] of taggedList) out[cf.key] = cloneDefault(cf.absent);
        const count = r.uvarint();
        for (let i = 0; i < count; i++) {
          const tag = r.uvarint();
          const size = r.uvarint();
          const cf = tagged.get(tag);
          if (cf === undefined) {
            r.skip(size); // unknown tags are skipped, never rejected
            continue;
          }
          const end = r.pos + size;
          r.need(size);
          const sub = new Reader(r.buf, r.pos, end);
          out[cf.key] = cf.codec.read(sub);
          r.pos = end;
        }
      }
      return out;
    },
    write(w, value) {
      for (let i = 0; i < regular.length; i++) {
        const cf = regular[i];
        const v = value[cf.key];
        cf.codec.write(w, v === undefined ? cf.absent : v);
      }
      if (flexible) {
        let count = 0;
        for (const [, cf] of taggedList) if (!isDefault(value[cf.key], cf.absent)) count++;
        w.uvarint(count);
        if (count === 0) return;
        for (const [tag, cf] of taggedList) {
          const v = value[cf.key];
          if (isDefault(v, cf.absent)) continue;
          const sub = new Writer(64);
          cf.codec.write(sub, v);
          w.uvarint(tag).uvarint(sub.pos).raw(sub.bytes());
        }
      }
    },
  };
}

function cloneDefault(v: unknown): unknown {
  return Array.isArray(v) ? [] : v;
}
