// Changing configs: what IncrementalAlterConfigs (ops SET 0, DELETE 1, APPEND 2, SUBTRACT 3) and the legacy
// AlterConfigs (the given set replaces every dynamic config of the resource) share. Topics: the explicit configs
// in kafka.topics.configs. Brokers: the dynamic configs of one node id, or of "" (cluster-wide defaults), in
// kafka.broker_configs; only settings Kafka changes dynamically (broker-configs.ts `dynamic`) are accepted.
// Every change goes through the store's one update function per kind, which writes it atomically and tells every
// broker on the database (NOTIFY), so it applies at once without a restart. validate_only runs every check and
// writes nothing. Errors, as Kafka's: a resource named twice, a key named twice in one resource, an unknown op,
// a null value to set, a non-integer broker id, or a static broker setting: INVALID_REQUEST; unknown names,
// invalid values, APPEND/SUBTRACT on a non-list setting: INVALID_CONFIG with the reason; unknown topics:
// UNKNOWN_TOPIC_OR_PARTITION; invalid topic names: INVALID_TOPIC_EXCEPTION. Kafka answers POLICY_VIOLATION only
// when an alter.config.policy.class.name refuses; pg-kafka has no such policy, so never. Unlike Kafka, unknown
// broker setting names are refused rather than stored.

import { ErrorCode } from '../codec/errors.ts';
import { UnknownTopicError } from '../store/errors.ts';
import type { ConfigMap } from '../store/index.ts';
import type { RequestContext } from './context.ts';
import { Refused } from './refused.ts';
import { topicConfigDef, topicConfigValue, invalidValueMessage } from './topic-configs.ts';
import { brokerConfigByName } from './broker-configs.ts';
import { ConfigResourceType, ConfigType, resourceTypeName } from './config-types.ts';
import { topicNameProblem } from './topic-names.ts';

/** IncrementalAlterConfigsRequest.ConfigOperation (Kafka's AlterConfigOp.OpType). */
export const ConfigOp = { SET: 0, DELETE: 1, APPEND: 2, SUBTRACT: 3 } as const;
const opNames = ['SET', 'DELETE', 'APPEND', 'SUBTRACT'] as const;

export interface ConfigChange {
  name: string;
  op: number;
  value: string | null;
}

export interface AlterResource {
  resourceType: number;
  resourceName: string;
  changes: ConfigChange[];
}

export interface AlterResult {
  errorCode: number;
  errorMessage: string | null;
}

/** Incremental: the ops apply to the current configs. Replace (legacy AlterConfigs): the SETs are the new set. */
export type AlterMode = 'incremental' | 'replace';

const OK: AlterResult = { errorCode: ErrorCode.NONE, errorMessage: null };

/** Alters every resource on its own (one failing leaves the others done); results in request order. */
export async function alterConfigs(resources: AlterResource[], mode: AlterMode, validateOnly: boolean, ctx: RequestContext): Promise<AlterResult[]> {
  const counts = new Map<string, number>();
  const key = (r: AlterResource) => `${r.resourceType}:${r.resourceName}`;
  for (const r of resources) counts.set(key(r), (counts.get(key(r)) ?? 0) + 1);
  return Promise.all(resources.map(async (r) => {
    try {
      if ((counts.get(key(r)) ?? 0) > 1) throw new Refused(ErrorCode.INVALID_REQUEST, `Duplicate resource: ${resourceTypeName(r.resourceType)} '${r.resourceName}' appears more than once in the request.`);
      await alterOne(r, mode, validateOnly, ctx);
      return OK;
    } catch (err) {
      if (err instanceof Refused) return { errorCode: err.code, errorMessage: err.message };
      if (err instanceof UnknownTopicError) return { errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `Topic '${r.resourceName}' does not exist.` };
      throw err;
    }
  }));
}

async function alterOne(r: AlterResource, mode: AlterMode, validateOnly: boolean, ctx: RequestContext): Promise<void> {
  checkChanges(r.changes);
  switch (r.resourceType) {
    case ConfigResourceType.TOPIC:
      return alterTopic(r, mode, validateOnly, ctx);
    case ConfigResourceType.BROKER:
      return alterBroker(r, mode, validateOnly, ctx);
    default:
      throw new Refused(ErrorCode.INVALID_REQUEST, `Unsupported resource type: ${resourceTypeName(r.resourceType)}`);
  }
}

/** The checks that need no resource: known ops, each key once, a value for what sets one. */
function checkChanges(changes: ConfigChange[]): void {
  const seen = new Set<string>();
  for (const c of changes) {
    if (seen.has(c.name)) throw new Refused(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${c.name}`);
    seen.add(c.name);
    if (!Number.isInteger(c.op) || c.op < 0 || c.op >= opNames.length) throw new Refused(ErrorCode.INVALID_REQUEST, `Unknown operation type ${c.op} for config ${c.name}`);
    if (c.op !== ConfigOp.DELETE && c.value === null) throw new Refused(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${c.name}`);
  }
}

function notAList(c: ConfigChange): Refused {
  return new Refused(ErrorCode.INVALID_CONFIG, `Can't ${opNames[c.op]} to key ${c.name} because its type is not LIST.`);
}

/** Kafka's list ops: APPEND adds the items not there yet, SUBTRACT removes items; `base` is the value before. */
function listOp(op: number, base: string, value: string): string {
  const items = base === '' ? [] : base.split(',').map((s) => s.trim());
  for (const v of value.split(',').map((s) => s.trim())) {
    if (op === ConfigOp.APPEND && !items.includes(v)) items.push(v);
    if (op === ConfigOp.SUBTRACT) {
      const at = items.indexOf(v);
      if (at >= 0) items.splice(at, 1);
    }
  }
  return items.join(',');
}

/**
 * The new explicit configs: `current` with the changes applied (incremental) or the SETs alone (replace).
 * `base(name)` is the value an APPEND or SUBTRACT starts from when the resource does not set the key.
 */
function applyChanges(current: ConfigMap, changes: ConfigChange[], mode: AlterMode, base: (name: string) => string): Record<string, string> {
  const next: Record<string, string> = Object.create(null);
  if (mode === 'incremental') Object.assign(next, current);
  for (const c of changes) {
    switch (c.op) {
      case ConfigOp.SET:
        next[c.name] = c.value as string;
        break;
      case ConfigOp.DELETE:
        delete next[c.name];
        break;
      default:
        next[c.name] = listOp(c.op, Object.hasOwn(next, c.name) ? next[c.name] : base(c.name), c.value as string);
    }
  }
  return { ...next };
}

async function alterTopic(r: AlterResource, mode: AlterMode, validateOnly: boolean, ctx: RequestContext): Promise<void> {
  const name = r.resourceName;
  if (name === '') throw new Refused(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
  const nameProblem = topicNameProblem(name);
  if (nameProblem !== null) throw new Refused(ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  for (const c of r.changes) {
    const def = topicConfigDef(c.name);
    if (!def) throw new Refused(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${c.name}`);
    if ((c.op === ConfigOp.APPEND || c.op === ConfigOp.SUBTRACT) && def.type !== ConfigType.LIST) throw notAList(c);
  }
  const { settings } = ctx.broker;
  await ctx.broker.store.updateTopicConfigs(name, (current) => {
    const next = applyChanges(current, r.changes, mode, (key) => topicConfigValue({}, key, settings));
    for (const c of r.changes) {
      if (!Object.hasOwn(next, c.name)) continue;
      if (!(topicConfigDef(c.name)?.validate(next[c.name]) ?? false)) throw new Refused(ErrorCode.INVALID_CONFIG, invalidValueMessage(c.name, next[c.name]));
    }
    return next;
  }, { validateOnly });
}

async function alterBroker(r: AlterResource, mode: AlterMode, validateOnly: boolean, ctx: RequestContext): Promise<void> {
  const scope = r.resourceName;
  if (scope !== '' && (!/^\d+$/.test(scope) || Number(scope) > 2147483647)) {
    throw new Refused(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${scope}`);
  }
  const fixed: string[] = [];
  for (const c of r.changes) {
    const def = brokerConfigByName.get(c.name);
    if (!def) throw new Refused(ErrorCode.INVALID_CONFIG, `Unknown broker config name: ${c.name}`);
    if (!def.dynamic) fixed.push(c.name);
    else if ((c.op === ConfigOp.APPEND || c.op === ConfigOp.SUBTRACT) && def.type !== ConfigType.LIST) throw notAList(c);
  }
  if (fixed.length > 0) throw new Refused(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: Set(${fixed.join(', ')})`);
  const { config, info } = ctx.broker;
  const canonical = scope === '' ? '' : String(Number(scope));
  await ctx.broker.store.updateBrokerConfigs(canonical, (current) => {
    const next = applyChanges(current, r.changes, mode, (key) => brokerConfigByName.get(key)?.value(config, info) ?? '');
    for (const c of r.changes) {
      if (!Object.hasOwn(next, c.name)) continue;
      const def = brokerConfigByName.get(c.name);
      if (!(def?.validate?.(next[c.name]) ?? false)) throw new Refused(ErrorCode.INVALID_CONFIG, invalidValueMessage(c.name, next[c.name]));
    }
    return next;
  }, { validateOnly });
}
