// Faults in the real panel (code-server + chromium): the four fields are filled, "Clone and preview" is pressed,
// Novita (the double) misbehaves. Each time the user reads the specific sentence, every field still holds what was
// typed, and the panel is back to idle. A rate limit shows its retry wait while it waits; a task that never ends
// can be cancelled; a voice whose preview could not be fetched still appears in the list.
import * as assert from 'node:assert/strict';
import type { FrameLocator } from 'playwright-core';
import type { FaultPlan } from '../double/novitaDouble';
import { pcmToWav } from '../../src/core/audio/wav';
import { recordMatrixRow } from '../support/matrix';
import { runCommand, webview, workbench } from './workbench';

const FIELDS = ['Sample audio URL', 'Sample transcript (optional)', 'Text to preview', 'Voice name'] as const;
let counter = 0;

async function openPanel(): Promise<FrameLocator> {
  await runCommand('GLM Voice Clone: Open Panel');
  const view = webview();
  await view.locator('body[data-ready="true"]').waitFor({ timeout: 30_000 });
  return view;
}

function typedValues(tag: string): string[] {
  const { double } = workbench();
  const sample = double.addFile(`/samples/fault-${tag}.wav`, pcmToWav(Buffer.alloc(24000 * 2 * 4)), 'audio/wav');
  return [sample, `Transcript typed for ${tag}, with “quotes” and <b>markup</b>.`, `Text typed for ${tag}: every word must survive the fault.`, `fault-${tag}`];
}

async function fillAndClone(view: FrameLocator, values: string[]): Promise<void> {
  for (let i = 0; i < FIELDS.length; i++) await view.getByLabel(FIELDS[i], { exact: true }).fill(values[i]);
  await view.getByLabel('I have the right to clone this voice').check();
  await view.getByRole('button', { name: 'Clone and preview' }).click();
}

async function expectKept(view: FrameLocator, values: string[]): Promise<void> {
  await view.locator('body[data-state="idle"]').waitFor({ timeout: 10_000 });
  const now = await Promise.all(FIELDS.map((label) => view.getByLabel(label, { exact: true }).inputValue()));
  assert.deepEqual(now, values, 'every field still holds what was typed');
  assert.equal(await view.getByRole('button', { name: 'Clone and preview' }).isEnabled(), true);
}

interface PanelFault {
  title: string;
  route: 'clone' | 'taskResult' | 'audio';
  plan?: FaultPlan;
  arrange?: () => void;
  message: RegExp;
  /** What else must be visible while or after it runs. */
  extra?: (view: FrameLocator, values: string[]) => Promise<void>;
}

const PANEL_FAULTS: PanelFault[] = [
  { title: '403 no access', route: 'clone', plan: { status: 403 }, message: /refused the request \(403\)/ },
  {
    title: '429 with Retry-After every time: the wait is shown, then the sentence',
    route: 'clone',
    plan: { status: 429, headers: { 'retry-after': '1' } },
    message: /rate limit was reached; wait 1 s/,
    extra: async (view) => assert.equal(await view.getByRole('button', { name: 'Retry' }).isVisible(), true),
  },
  { title: '500 offers Retry', route: 'clone', plan: { status: 500 }, message: /Novita is busy \(500\)/, extra: async (view) => assert.equal(await view.getByRole('button', { name: 'Retry' }).isVisible(), true) },
  { title: 'malformed JSON', route: 'clone', plan: { malformedJson: true }, message: /does not understand \(the answer is not valid JSON\)/ },
  { title: 'body stops halfway', route: 'clone', plan: { reset: 'midBody' }, message: /broke while receiving the answer/ },
  { title: 'an answer of 200 MB', route: 'clone', plan: { hugeBodyBytes: 200 * 1024 * 1024 }, message: /larger than 1 MB/ },
  {
    title: 'task ends FAILED with a reason',
    route: 'taskResult',
    arrange: () => {
      workbench().double.mode = 'async';
      workbench().double.taskOutcome = 'failed';
      workbench().double.failReason = 'the sample has loud background music';
    },
    message: /Novita could not clone the voice: the sample has loud background music/,
  },
  {
    title: 'HTML instead of the preview audio: the voice is still saved and listed',
    route: 'audio',
    plan: { status: 200, body: '<!doctype html><html><body>Sign in</body></html>', headers: { 'content-type': 'text/html' } },
    message: /was cloned and saved to your voices[\s\S]*sent a web page instead of audio/,
    extra: async (view, values) => {
      await view.locator('#voice-list li', { hasText: values[3] }).waitFor({ timeout: 10_000 });
      assert.equal(await view.getByRole('button', { name: 'Retry' }).isVisible(), false, 'no Retry: it would clone again');
    },
  },
  { title: 'redirect loop on the preview audio', route: 'audio', plan: { redirectTo: '/audio/loop.wav' }, message: /redirects in a loop/ },
];

suite('Faults in the panel: the message, the fields, idle again', () => {
  teardown(() => {
    const { double } = workbench();
    double.clearFaults();
    double.mode = 'sync';
    double.taskOutcome = 'succeed';
  });

  for (const fault of PANEL_FAULTS) {
    test(fault.title, async () => {
      const { double } = workbench();
      const view = await openPanel();
      const values = typedValues(`${++counter}-${Date.now().toString(36)}`);
      double.clearRequests();
      fault.arrange?.();
      if (fault.plan) double.setFault(fault.route, fault.plan);
      await fillAndClone(view, values);
      if (fault.plan?.status === 429) {
        // the retry wait is visible while it waits
        await view.locator('#progress', { hasText: /retrying in \d+ s/ }).waitFor({ timeout: 10_000 });
      }
      const started = Date.now();
      const banner = view.locator('#form-error');
      await banner.waitFor({ state: 'visible', timeout: 45_000 });
      const shown = ((await banner.textContent()) ?? '').trim();
      const requests = double.requests.filter((r) => r.route === fault.route && (fault.route !== 'clone' || (r.json as { voice_name?: string } | undefined)?.voice_name === values[3])).length;
      recordMatrixRow({ layer: 'e2e', fault: fault.title, route: fault.route, outcome: 'shown in the panel', message: shown, requests, retries: Math.max(0, requests - 1), ms: Date.now() - started });
      assert.match(shown, fault.message);
      await expectKept(view, values);
      await fault.extra?.(view, values);
    });
  }

  test('a task that never finishes can be cancelled: nothing typed is lost and the panel is idle', async () => {
    const { double } = workbench();
    double.mode = 'async';
    double.taskOutcome = 'never';
    const view = await openPanel();
    const values = typedValues(`never-${Date.now().toString(36)}`);
    await fillAndClone(view, values);
    await view.locator('#progress', { hasText: /Novita|queued|processing/i }).waitFor({ timeout: 15_000 });
    assert.equal(await view.locator('body').getAttribute('data-state'), 'busy');
    await view.getByRole('button', { name: 'Cancel' }).click();
    await view.locator('#form-error', { hasText: /Cancelled/ }).waitFor({ timeout: 10_000 });
    await expectKept(view, values);
  });
});
