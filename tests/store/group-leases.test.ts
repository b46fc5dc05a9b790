// Coordinator slot leases and fencing, with two stores on one database (two brokers): a held slot cannot be
// claimed; once its lease expires (or is released) another broker claims it with a new epoch, and from then on
// every write under the old epoch (offsets, group rows, deletes, renewals) is refused.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openStores } from './fixtures.ts';
import { claimSlots, deleteGroups, loadGroups, releaseSlots, renewSlots, saveGroup, slotOwner, type SlotFence, type StoredGroup } from '../../store/groups.ts';
import { commitOffsets, expireOffsets, fetchOffsets } from '../../store/group-offsets.ts';

const one = { nodeId: 1, host: 'broker-1', port: 9001 };
const two = { nodeId: 2, host: 'broker-2', port: 9002 };

function group(slot: number, generation: number): StoredGroup {
  return {
    groupId: 'g',
    slot,
    type: 'classic',
    protocolType: 'consumer',
    protocolName: 'range',
    generation,
    leader: 'm-1',
    state: 'Stable',
    stateTimestamp: 1000,
    members: [{
      memberId: 'm-1',
      groupInstanceId: null,
      clientId: 'c',
      clientHost: '/127.0.0.1',
      rebalanceTimeoutMs: 1000,
      sessionTimeoutMs: 1000,
      protocols: [{ name: 'range', metadata: new Uint8Array([0, 1, 255]) }],
      assignment: new Uint8Array([9, 8]),
    }],
  };
}

test('slot leases: one holder at a time, takeover after expiry, stale epochs fenced', async () => {
  const { stores: [a, b] } = await openStores(2);
  const topic = await a.createTopic({ name: 't', partitions: 1 });

  const [won] = await claimSlots(a.sql, [7], one, 300);
  assert.equal(won.slot, 7);
  const fenceA: SlotFence = { slot: 7, nodeId: 1, epoch: Number(won.epoch) };
  assert.deepEqual(await claimSlots(b.sql, [7], two, 300), [], 'held by the other broker');
  assert.deepEqual(await slotOwner(b.sql, 7), one);

  assert.equal(await saveGroup(a.sql, fenceA, group(7, 1)), true);
  const written = await commitOffsets(a.sql, fenceA, 'g', [{ topicId: topic.id, partition: 0, offset: 5, leaderEpoch: 2, metadata: 'm', expireTimestamp: null }], 1000);
  assert.equal(written.owned, true);
  assert.deepEqual(written.live, new Set([topic.id]), 'written; the topic still exists');
  const loaded = await loadGroups(b.sql, 7);
  assert.deepEqual(loaded, [group(7, 1)], 'bytes and members round-trip through the row');

  // The lease runs out without renewal: the other broker takes the slot with a new epoch.
  await new Promise((r) => setTimeout(r, 400));
  assert.equal(await slotOwner(b.sql, 7), null);
  const [taken] = await claimSlots(b.sql, [7], two, 10_000);
  assert.equal(Number(taken.epoch), fenceA.epoch + 1);
  const fenceB: SlotFence = { slot: 7, nodeId: 2, epoch: Number(taken.epoch) };

  // Everything the first broker still tries is refused and changes nothing.
  assert.deepEqual(await renewSlots(a.sql, [fenceA], 300), [], 'the renewal fails: the slot is lost');
  assert.equal(await saveGroup(a.sql, fenceA, group(7, 2)), false);
  assert.equal((await commitOffsets(a.sql, fenceA, 'g', [{ topicId: topic.id, partition: 0, offset: 99, leaderEpoch: 2, metadata: 'm', expireTimestamp: null }], 2000)).owned, false, 'fenced: nothing written');
  assert.equal((await expireOffsets(a.sql, fenceA, 'g', { now: 10_000_000, retentionMs: 1, baseTimestamp: null, exceptTopicIds: null })).remaining, null);
  assert.equal((await deleteGroups(a.sql, fenceA, ['g'])).owned, false);
  assert.equal((await loadGroups(b.sql, 7))[0].generation, 1);
  assert.deepEqual((await fetchOffsets(b.sql, 'g', null)).map((o) => [o.topicName, o.partition, o.offset, o.leaderEpoch, o.metadata]), [['t', 0, 5, 2, 'm']]);

  // The new holder writes; a clean release makes the slot free at once.
  assert.equal(await saveGroup(b.sql, fenceB, group(7, 3)), true);
  assert.deepEqual(await renewSlots(b.sql, [fenceB], 10_000), [7]);
  await releaseSlots(b.sql, [fenceB]);
  const [back] = await claimSlots(a.sql, [7], one, 10_000);
  assert.equal(Number(back.epoch), fenceB.epoch + 1);
  assert.equal(await saveGroup(b.sql, fenceB, group(7, 4)), false, 'released means fenced once claimed again');
  assert.equal((await loadGroups(a.sql, 7))[0].generation, 3);
});

test('slot leases: a broker reclaims its own slots after a restart (new epoch)', async () => {
  const { stores: [a] } = await openStores(1);
  const first = await claimSlots(a.sql, [0, 1, 2], one, 60_000);
  assert.deepEqual(first.map((w) => w.slot).sort(), [0, 1, 2]);
  // Same node id, leases still running (a crash and a quick restart): claimed again, each with a new epoch.
  const again = await claimSlots(a.sql, [0, 1, 2], one, 60_000);
  assert.deepEqual(again.map((w) => [w.slot, Number(w.epoch)]).sort(), first.map((w) => [w.slot, Number(w.epoch) + 1]).sort());
  assert.deepEqual(await claimSlots(a.sql, [0, 1, 2], two, 60_000), []);
});
