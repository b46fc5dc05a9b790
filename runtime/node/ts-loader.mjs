// Node only: module loader hook that strips types from .ts files (amaro, strip-only: no enums, no transforms).
import { transformSync } from 'amaro';

export async function load(url, context, nextLoad) {
  if (!url.endsWith('.ts') || url.includes('/node_modules/')) return nextLoad(url, context);
  const result = await nextLoad(url, { ...context, format: 'module' });
  const source = typeof result.source === 'string' ? result.source : new TextDecoder().decode(result.source);
  const { code } = transformSync(source, { mode: 'strip-only' });
  return { format: 'module', source: code, shortCircuit: true };
}
