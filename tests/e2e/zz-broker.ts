import { startTestBroker } from '../helpers/broker.ts';
import { writeFileSync } from 'node:fs';
const tb = await startTestBroker();
await tb.store.createTopic({ name: 't', partitions: 3 });
writeFileSync('/tmp/e2e-dev/addr', tb.address);
process.on('SIGTERM', async () => { await tb.stop(); process.exit(0); });
setInterval(() => {}, 1 << 30);
