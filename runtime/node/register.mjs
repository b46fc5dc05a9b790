// Node only: registers a loader that strips TypeScript types with amaro (the stripper Node itself uses from 22.6),
// so Node 20 runs the same .ts sources that newer Node and Deno run natively. Newer Node strips on its own.
import { register } from 'node:module';

const [major, minor] = process.versions.node.split('.').map(Number);
const native = process.features?.typescript || major > 23 || (major === 23 && minor >= 6) || (major === 22 && minor >= 18);
if (!native) register('./ts-loader.mjs', import.meta.url);
