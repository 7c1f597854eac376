// Every command the extension contributes, by id: package.json's `contributes.commands` must list exactly these
// (test/unit/host/commands/commandIds.test.ts), and the handler table is a Record over them, so a missing or stray handler is a
// type error instead of a failure when the command is first run. No vscode import: the unit test reads it in Node.

export const COMMAND_IDS = [
  'glmVoiceClone.openPanel',
  'glmVoiceClone.cloneVoice',
  'glmVoiceClone.transcribeSample',
  'glmVoiceClone.setApiKey',
  'glmVoiceClone.clearApiKey',
  'glmVoiceClone.pickVoice',
  'glmVoiceClone.speakSelection',
  'glmVoiceClone.speakFile',
  'glmVoiceClone.exportNarration',
  'glmVoiceClone.cancelNarration',
  'glmVoiceClone.retakeSentence',
  'glmVoiceClone.clearCache',
  'glmVoiceClone.assignVoice',
  'glmVoiceClone.useVoice',
  'glmVoiceClone.playVoicePreview',
  'glmVoiceClone.copyVoiceId',
  'glmVoiceClone.renameVoice',
  'glmVoiceClone.removeVoice',
  'glmVoiceClone.deleteVoiceAtProvider',
  'glmVoiceClone.refreshVoices',
  'glmVoiceClone.playPreview',
  'glmVoiceClone.saveAudioAs',
  'glmVoiceClone.revealAudio',
  'glmVoiceClone.removePreview',
  'glmVoiceClone.showLog',
  'glmVoiceClone.readFromCursor',
  'glmVoiceClone.readFromHere',
  'glmVoiceClone.readAlong.togglePause',
  'glmVoiceClone.readAlong.next',
  'glmVoiceClone.readAlong.previous',
  'glmVoiceClone.readAlong.stop',
  'glmVoiceClone.readAlong.showPlayer',
] as const;

/** The read-along commands (./readAlong.ts handles them). */
export type ReadAlongCommandId = Extract<CommandId, 'glmVoiceClone.readFromCursor' | 'glmVoiceClone.readFromHere' | `glmVoiceClone.readAlong.${string}`>;

export type CommandId = (typeof COMMAND_IDS)[number];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type CommandHandler = (...args: any[]) => unknown;

/** A handler for every command, and only for those. */
export type CommandHandlers = Record<CommandId, CommandHandler>;

export function isCommandId(id: string): id is CommandId {
  return (COMMAND_IDS as readonly string[]).includes(id);
}
