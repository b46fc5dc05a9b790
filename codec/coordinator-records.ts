// The records of the internal topic `__consumer_offsets`, as Kafka's group coordinator writes them, so that
// readers such as Burrow decode them unchanged: a key and a value that each start with an int16 schema version,
// then the struct at that version (Kafka's coordinator-record schemas OffsetCommitKey/Value and
// GroupMetadataKey/Value). Offset commits: key v1, value v3 (with the leader epoch; v4 is flexible, which older
// readers do not know). Group metadata: key v2, value v3 (with group instance ids). A null value is a tombstone.
// Also the group's partition of that topic: Utils.abs(groupId.hashCode()) % partitions, Java's String.hashCode.

import { compileStruct, type Decoded } from './compile.ts';
import { Reader } from './reader.ts';
import type { FieldSpec } from './schema.ts';
import { Writer } from './writer.ts';

export const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';
/** Kafka's offsets.topic.num.partitions default. */
export const CONSUMER_OFFSETS_PARTITIONS = 50;

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
export const GROUP_METADATA_KEY_VERSION = 2;
export const GROUP_METADATA_VALUE_VERSION = 3;

// Kafka's OffsetCommitKey.json and GroupMetadataKey.json (key versions 0-1: offsets; 2: group metadata).
const OFFSET_COMMIT_KEY: readonly FieldSpec[] = [
  { name: 'Group', type: 'string', versions: '0-1' },
  { name: 'Topic', type: 'string', versions: '0-1' },
  { name: 'Partition', type: 'int32', versions: '0-1' },
];
const GROUP_METADATA_KEY: readonly FieldSpec[] = [{ name: 'Group', type: 'string', versions: '2' }];

// Kafka's OffsetCommitValue.json (versions 0-4, flexible from 4).
const OFFSET_COMMIT_VALUE: readonly FieldSpec[] = [
  { name: 'Offset', type: 'int64', versions: '0+' },
  { name: 'LeaderEpoch', type: 'int32', versions: '3+', default: -1 },
  { name: 'Metadata', type: 'string', versions: '0+' },
  { name: 'CommitTimestamp', type: 'int64', versions: '0+' },
  { name: 'ExpireTimestamp', type: 'int64', versions: '1', default: -1 },
];

// Kafka's GroupMetadataValue.json (versions 0-4, flexible from 4).
const GROUP_METADATA_VALUE: readonly FieldSpec[] = [
  { name: 'ProtocolType', type: 'string', versions: '0+' },
  { name: 'Generation', type: 'int32', versions: '0+' },
  { name: 'Protocol', type: 'string', versions: '0+', nullable: '0+' },
  { name: 'Leader', type: 'string', versions: '0+', nullable: '0+' },
  { name: 'CurrentStateTimestamp', type: 'int64', versions: '2+', default: -1 },
  { name: 'Members', type: '[]struct', versions: '0+', fields: [
    { name: 'MemberId', type: 'string', versions: '0+' },
    { name: 'GroupInstanceId', type: 'string', versions: '3+', nullable: '3+', default: 'null' },
    { name: 'ClientId', type: 'string', versions: '0+' },
    { name: 'ClientHost', type: 'string', versions: '0+' },
    { name: 'RebalanceTimeout', type: 'int32', versions: '1+', default: -1 },
    { name: 'SessionTimeout', type: 'int32', versions: '0+' },
    { name: 'Subscription', type: 'bytes', versions: '0+' },
    { name: 'Assignment', type: 'bytes', versions: '0+' },
  ] },
];

export interface OffsetCommitKey {
  group: string;
  topic: string;
  partition: number;
}

export interface OffsetCommitValue {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  expireTimestamp?: number;
}

export interface GroupMetadataMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeout: number;
  sessionTimeout: number;
  subscription: Uint8Array;
  assignment: Uint8Array;
}

export interface GroupMetadataValue {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: GroupMetadataMember[];
}

/** A decoded key: which kind of record it is follows from its version. */
export type CoordinatorKey =
  | { version: 0 | 1; type: 'offset'; key: OffsetCommitKey }
  | { version: 2; type: 'group'; key: { group: string } };

const flexibleFrom = 4;
const codecs = new Map<string, ReturnType<typeof compileStruct>>();
function codec(name: string, fields: readonly FieldSpec[], version: number) {
  const id = `${name}:${version}`;
  let c = codecs.get(id);
  if (!c) codecs.set(id, (c = compileStruct(fields, version, version >= flexibleFrom && name.endsWith('Value'))));
  return c;
}

function encode(name: string, fields: readonly FieldSpec[], version: number, value: object): Uint8Array {
  const w = new Writer(64);
  w.int16(version);
  codec(name, fields, version).write(w, value as Decoded);
  return w.bytes().slice();
}

export function encodeOffsetCommitKey(key: OffsetCommitKey): Uint8Array {
  return encode('OffsetCommitKey', OFFSET_COMMIT_KEY, OFFSET_COMMIT_KEY_VERSION, key);
}

export function encodeOffsetCommitValue(value: OffsetCommitValue, version = OFFSET_COMMIT_VALUE_VERSION): Uint8Array {
  return encode('OffsetCommitValue', OFFSET_COMMIT_VALUE, version, value);
}

export function encodeGroupMetadataKey(group: string): Uint8Array {
  return encode('GroupMetadataKey', GROUP_METADATA_KEY, GROUP_METADATA_KEY_VERSION, { group });
}

export function encodeGroupMetadataValue(value: GroupMetadataValue, version = GROUP_METADATA_VALUE_VERSION): Uint8Array {
  return encode('GroupMetadataValue', GROUP_METADATA_VALUE, version, value);
}

/** Decodes a `__consumer_offsets` key (throws on a version Kafka does not define). */
export function decodeCoordinatorKey(bytes: Uint8Array): CoordinatorKey {
  const r = new Reader(bytes);
  const version = r.int16();
  if (version === 0 || version === 1) return { version, type: 'offset', key: codec('OffsetCommitKey', OFFSET_COMMIT_KEY, version).read(r) as unknown as OffsetCommitKey };
  if (version === 2) return { version, type: 'group', key: codec('GroupMetadataKey', GROUP_METADATA_KEY, version).read(r) as { group: string } };
  throw new Error(`unknown __consumer_offsets key version ${version}`);
}

/** Decodes an offset-commit value: its version and fields. */
export function decodeOffsetCommitValue(bytes: Uint8Array): { version: number; value: OffsetCommitValue } {
  const r = new Reader(bytes);
  const version = r.int16();
  return { version, value: codec('OffsetCommitValue', OFFSET_COMMIT_VALUE, version).read(r) as unknown as OffsetCommitValue };
}

/** Decodes a group-metadata value: its version and fields. */
export function decodeGroupMetadataValue(bytes: Uint8Array): { version: number; value: GroupMetadataValue } {
  const r = new Reader(bytes);
  const version = r.int16();
  return { version, value: codec('GroupMetadataValue', GROUP_METADATA_VALUE, version).read(r) as unknown as GroupMetadataValue };
}

/** Java's String.hashCode: over UTF-16 code units, wrapping at 32 bits. */
export function javaStringHashCode(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(31, h) + s.charCodeAt(i)) | 0;
  return h;
}

/** The group's partition of `__consumer_offsets`: Kafka's Utils.abs(groupId.hashCode()) % partitions. */
export function consumerOffsetsPartition(groupId: string, partitions = CONSUMER_OFFSETS_PARTITIONS): number {
  const h = javaStringHashCode(groupId);
  return (h === -0x80000000 ? 0 : Math.abs(h)) % partitions;
}
