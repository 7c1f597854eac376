// The window's view of global state: what it wrote is what it reads, whatever VS Code's copy says meanwhile, and its
// writes reach VS Code one at a time, in order.
import * as assert from 'node:assert/strict';
import type * as vscode from 'vscode';
import { WindowState } from '../../../../src/host/platform/windowState';

/** A Memento whose reads can be made to lag (as VS Code's does while an echo of an older write is applied). */
class SlowMemento implements vscode.Memento {
  stored = new Map<string, unknown>();
  /** What `get` answers instead of what is stored, while set. */
  stale: Map<string, unknown> | undefined;
  inFlight = 0;
  maxInFlight = 0;
  readonly writes: string[] = [];
  keys(): readonly string[] {
    return [...this.stored.keys()];
  }
  get<T>(key: string, defaultValue?: T): T | undefined {
    const from = this.stale ?? this.stored;
    return (from.has(key) ? (from.get(key) as T) : undefined) ?? defaultValue;
  }
  async update(key: string, value: unknown): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 5));
    this.stored.set(key, value);
    this.writes.push(`${key}=${String(value)}`);
    this.inFlight--;
  }
}

suite('WindowState: global state as this window last wrote it', () => {
  test('a key reads back what was last written, even while the stored copy lags behind', async () => {
    const backing = new SlowMemento();
    backing.stored.set('voice', 'tongtong');
    const state = new WindowState(backing);
    assert.equal(state.get('voice'), 'tongtong');
    const pending = state.update('voice', 'xiaochen');
    backing.stale = new Map([['voice', 'tongtong']]);
    assert.equal(state.get('voice'), 'xiaochen');
    await pending;
    assert.equal(state.get('voice'), 'xiaochen');
    assert.equal(backing.stored.get('voice'), 'xiaochen');
  });

  test('writes reach the stored copy one at a time, in the order they were made', async () => {
    const backing = new SlowMemento();
    const state = new WindowState(backing);
    await Promise.all([state.update('costs', 1), state.update('voice', 'jam'), state.update('costs', 2), state.update('voice', 'kazi')]);
    assert.equal(backing.maxInFlight, 1);
    assert.deepEqual(backing.writes, ['costs=1', 'voice=jam', 'costs=2', 'voice=kazi']);
  });

  test('a failed write is reported to its caller and does not stop the next', async () => {
    const backing = new SlowMemento();
    const failing = backing.update.bind(backing);
    let calls = 0;
    backing.update = async (key, value) => {
      if (calls++ === 0) throw new Error('disk full');
      return failing(key, value);
    };
    const state = new WindowState(backing);
    await assert.rejects(Promise.resolve(state.update('a', 1)), /disk full/);
    await state.update('b', 2);
    assert.deepEqual(backing.writes, ['b=2']);
  });

  test('defaults, removals and keys', async () => {
    const backing = new SlowMemento();
    backing.stored.set('old', 1);
    const state = new WindowState(backing);
    assert.equal(state.get('missing', 7), 7);
    await state.update('new', 2);
    await state.update('old', undefined);
    assert.deepEqual([...state.keys()].sort(), ['new']);
    assert.equal(state.get('old', 3), 3);
  });
});
