// Authorized-operations bit fields (KIP-430), as Kafka reports them without an authorizer: every operation the
// resource type supports. Bit n is set for AclOperation code n. The "not requested" value is Int32 min.

/** Kafka's AclOperation codes. */
export const AclOperation = {
  UNKNOWN: 0,
  ANY: 1,
  ALL: 2,
  READ: 3,
  WRITE: 4,
  CREATE: 5,
  DELETE: 6,
  ALTER: 7,
  DESCRIBE: 8,
  CLUSTER_ACTION: 9,
  DESCRIBE_CONFIGS: 10,
  ALTER_CONFIGS: 11,
  IDEMPOTENT_WRITE: 12,
  CREATE_TOKENS: 13,
  DESCRIBE_TOKENS: 14,
} as const;

function bits(...ops: number[]): number {
  return ops.reduce((acc, op) => acc | (1 << op), 0);
}

const A = AclOperation;

/** AclEntry.supportedOperations(TOPIC): 3576. */
export const TOPIC_OPERATIONS = bits(A.READ, A.WRITE, A.CREATE, A.DESCRIBE, A.DELETE, A.ALTER, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS);

/** AclEntry.supportedOperations(CLUSTER): 8096. */
export const CLUSTER_OPERATIONS = bits(A.CREATE, A.CLUSTER_ACTION, A.DESCRIBE_CONFIGS, A.ALTER_CONFIGS, A.IDEMPOTENT_WRITE, A.ALTER, A.DESCRIBE);

/** Group operations: READ, DESCRIBE, DELETE. */
export const GROUP_OPERATIONS = bits(A.READ, A.DESCRIBE, A.DELETE);

/** The schema default: operations were not asked for. */
export const OPERATIONS_NOT_REQUESTED = -2147483648;
