// Who says which block of a document: the shape both readers of a script fill in (`cast.ts` for labelled Markdown
// and plain text, `fountain.ts` for screenplays). Its own module so neither reader imports the other's.
import type { Speakable } from './plan';

/** A speaker's label as written in the source ("**Alice:**"), for a diagnostic. */
export interface SpeakerLabel {
  speaker: string;
  start: number;
  end: number;
}

/** A document's spoken text, each block with its speaker (undefined: the narrator), labels taken out. */
export interface ScriptSpeakable {
  sp: Speakable;
  /** One per block of `sp`. */
  speakers: Array<string | undefined>;
  /** Every label or character cue, in source order. */
  labels: SpeakerLabel[];
}
