// How partitions are led: PostgreSQL holds the data, so the broker answering is the leader, sole replica and ISR
// of every partition, and the leader epoch never changes (0). Metadata, DescribeTopicPartitions, ListOffsets,
// OffsetForLeaderEpoch and record batches (partitionLeaderEpoch) all take it from here.

/** The one leader epoch of every partition. */
export const LEADER_EPOCH = 0;

/** A partition as Metadata and DescribeTopicPartitions present it, led by `nodeId`. */
export function ledPartition(nodeId: number, partitionIndex: number) {
  return {
    errorCode: 0,
    partitionIndex,
    leaderId: nodeId,
    leaderEpoch: LEADER_EPOCH,
    replicaNodes: [nodeId],
    isrNodes: [nodeId],
    offlineReplicas: [] as number[],
  };
}
