// How Kafka strings are stored in PostgreSQL text and jsonb, which cannot hold U+0000 (Kafka strings can). A string
// is stored as it is unless it contains U+0000 or starts with ESCAPED_PREFIX; then it is stored as ESCAPED_PREFIX
// followed by the string with `\` doubled and U+0000 written `\0`. The mapping is reversible, leaves every ordinary
// string (and so every SQL comparison, LIKE and view on one) unchanged, and is applied in one place: the text and
// json types of store/db.ts (every parameter and column postgres.js binds or reads) and the binary COPY of records.

/** Marks a stored string as escaped: readable in SQL, and no real client string is expected to start with it. */
export const ESCAPED_PREFIX = '\\escaped:';

const NUL = '\u0000';

/** The stored form of a string (what goes into a text column or a jsonb string). */
export function toPgText(s: string): string {
  if (!s.includes(NUL) && !s.startsWith(ESCAPED_PREFIX)) return s;
  return ESCAPED_PREFIX + s.replace(/\\/g, '\\\\').replace(/\u0000/g, '\\0');
}

/** The string a stored form stands for (inverse of toPgText). */
export function fromPgText(s: string): string {
  if (!s.startsWith(ESCAPED_PREFIX)) return s;
  return s.slice(ESCAPED_PREFIX.length).replace(/\\(\\|0)/g, (_, c: string) => (c === '0' ? NUL : '\\'));
}

/** How a string in its stored form starts in JSON text: `"\\escaped:`. */
const ESCAPED_IN_JSON = JSON.stringify(ESCAPED_PREFIX).slice(0, -1);

/** JSON text for a jsonb parameter: every string in it (keys too) in its stored form. */
export function toPgJson(value: unknown): string {
  const text = JSON.stringify(value);
  // Most documents hold no U+0000 (`\u0000` in JSON text) and nothing like the prefix: no walk, no copy.
  if (!text.includes('\\u0000') && !text.includes(ESCAPED_IN_JSON)) return text;
  return JSON.stringify(mapStrings(value, toPgText));
}

/** A jsonb column's JSON text parsed, with every string (keys too) turned back from its stored form. */
export function fromPgJson(text: string): unknown {
  const parsed: unknown = JSON.parse(text);
  return text.includes(ESCAPED_IN_JSON) ? mapStrings(parsed, fromPgText) : parsed;
}

function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  // Objects with a toJSON (Date, Buffer, ...) are left to JSON.stringify.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== undefined) out[f(k)] = mapStrings(v, f);
  return out;
}
