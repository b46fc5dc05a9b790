// Kafka's checks of a manual replica assignment (ReplicationControlManager.validateManualPartitionAssignment),
// for a cluster whose only broker is this one: CreateTopics and CreatePartitions use it.

/** Why `brokerIds` is not a valid replica list for one partition when `nodeId` is the only broker; null when fine. */
export function assignmentProblem(brokerIds: readonly number[], nodeId: number): string | null {
  if (brokerIds.length === 0) return 'The manual partition assignment includes an empty replica list.';
  const sorted = [...brokerIds].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    if (sorted[i] !== nodeId) {
      return `The manual partition assignment includes broker ${sorted[i]}, but no such broker is registered.`;
    }
    if (i > 0 && sorted[i] === sorted[i - 1]) {
      return `The manual partition assignment includes the broker ${sorted[i]} more than once.`;
    }
  }
  return null;
}
