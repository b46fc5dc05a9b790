// What a KIP-848 group subscribes to: topic names and regular expressions resolved against the existing topics,
// and the signature of the subscribed topics' metadata (names, ids, partition counts) whose change bumps the group
// epoch. Kafka's regexes are RE2/J and match whole topic names; we use JavaScript RegExps anchored at both ends,
// a close approximation (a leading "(?i)" becomes the "i" flag; RE2/J-only syntax such as \Q..\E or possessive
// quantifiers is rejected as invalid, and JavaScript-only syntax such as lookarounds is accepted).

import type { Topic } from '../../store/types.ts';
import type { ConsumerMember } from './consumer-group.ts';

const compiled = new Map<string, RegExp | null>();

/** The regex as a whole-name matcher, or null when it is not valid. */
export function compileTopicRegex(source: string): RegExp | null {
  let re = compiled.get(source);
  if (re !== undefined) return re;
  let body = source;
  let flags = '';
  if (body.startsWith('(?i)')) {
    body = body.slice(4);
    flags = 'i';
  }
  try {
    re = new RegExp(`^(?:${body})$`, flags);
  } catch {
    re = null;
  }
  if (compiled.size > 1000) compiled.clear();
  compiled.set(source, re);
  return re;
}

/** Regex matches per topic snapshot: members of a group usually share their regex, resolved once per heartbeat. */
const matches = new WeakMap<ReadonlyMap<string, Topic>, Map<string, string[]>>();

function matching(regex: string, topics: ReadonlyMap<string, Topic>): string[] {
  let byRegex = matches.get(topics);
  if (!byRegex) matches.set(topics, (byRegex = new Map()));
  let names = byRegex.get(regex);
  if (!names) {
    const re = compileTopicRegex(regex);
    names = re ? [...topics.keys()].filter((name) => re.test(name)) : [];
    byRegex.set(regex, names);
  }
  return names;
}

/** Topic names the member subscribes to: its names (existing or not) and the existing topics its regex matches. */
export function memberTopicNames(member: Pick<ConsumerMember, 'subscribedTopicNames' | 'subscribedTopicRegex'>, topics: ReadonlyMap<string, Topic>): Set<string> {
  const out = new Set(member.subscribedTopicNames);
  if (member.subscribedTopicRegex !== null) for (const name of matching(member.subscribedTopicRegex, topics)) out.add(name);
  return out;
}

/** Names, ids and partition counts of the existing topics among `names`, as one comparable string (stored as JSON: no NUL). */
export function metadataSignature(names: Iterable<string>, topics: ReadonlyMap<string, Topic>): string {
  const parts: string[] = [];
  for (const name of names) {
    const t = topics.get(name);
    if (t) parts.push(`${t.name}/${t.topicId}/${t.partitions}`);
  }
  return parts.sort().join('\n');
}
