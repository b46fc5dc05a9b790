import { Buffer } from 'node:buffer';
import { CopyBinaryWriter, parseStoredRecords } from '../store/copy-binary.ts';
const VALUE = Buffer.alloc(1024, 120);
let t = performance.now();
let chunks: Buffer[] = [];
for (let r = 0; r < 100; r++) {
  const w = new CopyBinaryWriter();
  for (let i = 0; i < 1000; i++) w.row({ topicId: 1, partition: 0, offset: i, timestamp: Date.now(), key: null, value: VALUE, headerKeys: null, headerValues: null, producerId: -1, producerEpoch: -1, sequence: -1, attributes: 0 });
  chunks = w.finish();
}
console.log('encode 100k rows ms', (performance.now() - t).toFixed(1));
// parse: build a read-format buffer
const parts: Buffer[] = [Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), Buffer.alloc(8)];
for (let i = 0; i < 1000; i++) { const b = Buffer.alloc(2 + 12 + 12 + 4 + 4 + 1024 + 4 + 4 + 12 + 6 + 8 + 6); let p = b.writeInt16BE(10, 0); p = b.writeInt32BE(8, p); p = b.writeInt32BE(0, p); p = b.writeInt32BE(i, p); p = b.writeInt32BE(8, p); p += 8; p = b.writeInt32BE(-1, p); p = b.writeInt32BE(1024, p); p += 1024; p = b.writeInt32BE(-1, p); p = b.writeInt32BE(-1, p); p = b.writeInt32BE(8, p); p += 8; p = b.writeInt32BE(2, p); p += 2; p = b.writeInt32BE(4, p); p += 4; p = b.writeInt32BE(2, p); p += 2; parts.push(b.subarray(0, p)); }
parts.push(Buffer.from([0xff, 0xff]));
const data = Buffer.concat(parts);
t = performance.now();
let n = 0;
for (let r = 0; r < 100; r++) n += parseStoredRecords(data).length;
console.log('parse', n, 'rows ms', (performance.now() - t).toFixed(1));
