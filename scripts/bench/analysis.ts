// Where the time goes: the clone runs' timelines reduced to medians, and each narration split into set-up, the
// chunk requests and the tail, with the double's own answer time and the client's turnaround between chunks.
import type { NarrationRun, TimelineEvent } from '../../test/bench/protocol';
import { between, type Served } from './doubleLog';
import { summarize } from './report';

/** Median time of each event over the runs (repeated events numbered), in order; only events seen in most runs. */
export function medianTimeline(timelines: TimelineEvent[][]): TimelineEvent[] {
  const byLabel = new Map<string, number[]>();
  for (const timeline of timelines) {
    const seen = new Map<string, number>();
    for (const e of timeline) {
      const n = (seen.get(e.what) ?? 0) + 1;
      seen.set(e.what, n);
      const label = n === 1 ? e.what : `${e.what} #${n}`;
      byLabel.set(label, [...(byLabel.get(label) ?? []), e.at]);
    }
  }
  return [...byLabel]
    .filter(([, ats]) => ats.length * 2 > timelines.length)
    .map(([what, ats]) => ({ what, at: summarize(ats).median }))
    .sort((a, b) => a.at - b.at);
}

export interface NarrationBreakdown {
  requests: number;
  /** speakFile issued → the first chunk request reached the double (split, lazy loads, key, file, progress UI). */
  setupMs: number;
  /** First chunk request reached the double → last chunk answered. */
  requestsMs: number;
  /** Last chunk answered → speakFile resolved (last write, history, the panel opened to play it). */
  tailMs: number;
  /** The double's own answer time per chunk (its 300 ms latency plus synthesizing the audio), median and max. */
  doubleAnswerMedianMs: number;
  doubleAnswerMaxMs: number;
  /** A chunk answered → the next chunk request reached the double (the sliding window's gap), median and max. */
  turnaroundMedianMs: number;
  turnaroundMaxMs: number;
  /** Most chunk requests at the double at once. */
  maxInFlight: number;
  /** After the last chunk's answer, ms from it: files written in the audio and storage folders, the panel's tab. */
  tail: TimelineEvent[];
}

export function narrationBreakdown(run: NarrationRun, served: Served[]): NarrationBreakdown | undefined {
  const tts = between(served, run.startEpochMs, run.endEpochMs).filter((s) => s.path === '/v3/glm-tts');
  if (!tts.length) return undefined;
  const ends = tts.map((s) => s.end).sort((a, b) => a - b);
  const c = run.concurrency;
  // in a sliding window of c, request i (i ≥ c) can start once c of the earlier ones have answered
  const turnaround = tts.slice(c).map((s, i) => s.start - ends[i]);
  const answers = summarize(tts.map((s) => s.end - s.start));
  const gaps = turnaround.length ? summarize(turnaround) : undefined;
  let maxInFlight = 0;
  for (const s of tts) maxInFlight = Math.max(maxInFlight, tts.filter((o) => o.start <= s.start && o.end > s.start).length);
  const last = ends[ends.length - 1];
  const seen = new Set<string>();
  const tail = [...run.events]
    .filter((e) => e.at >= last && !/\.partial$/.test(e.what))
    .map((e) => ({ ...e, what: e.what.replace(/(\.tmp)-[\w-]+$/, '$1').replace(/narration-[\w-]+\.wav$/, 'narration-….wav') }))
    .sort((a, b) => a.at - b.at)
    .filter((e) => !seen.has(e.what) && seen.add(e.what))
    .map((e) => ({ what: e.what, at: e.at - last }));
  tail.push({ what: 'speakFile resolved', at: run.endEpochMs - last });
  return {
    requests: tts.length,
    setupMs: tts[0].start - run.startEpochMs,
    requestsMs: ends[ends.length - 1] - tts[0].start,
    tailMs: run.endEpochMs - ends[ends.length - 1],
    doubleAnswerMedianMs: answers.median,
    doubleAnswerMaxMs: answers.max,
    turnaroundMedianMs: gaps?.median ?? 0,
    turnaroundMaxMs: gaps?.max ?? 0,
    maxInFlight,
    tail,
  };
}
