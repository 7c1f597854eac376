// The demo backend: `tsx test/double/cli.ts [--port N] [--key K] [--mode async] [--latency ms] [--speak]`.
// Prints {"baseUrl": …, "sampleUrl": …} as one JSON line and serves until SIGINT/SIGTERM.
import { pcmToWav } from '../../src/core/audio/wav';
import { NovitaDouble } from './novitaDouble';
import { DEMO_SAMPLE_TEXT, demoSamplePcm } from './synth';

interface CliArgs {
  port: number;
  key?: string;
  mode: 'sync' | 'async';
  latencyMs: number;
  speak: boolean;
}

function usage(problem: string): never {
  process.stderr.write(`${problem}\nusage: tsx test/double/cli.ts [--port N] [--key K] [--mode sync|async] [--latency ms] [--speak]\n`);
  process.exit(2);
}

export function parseArgs(argv: string[]): CliArgs {
  const args: CliArgs = { port: 0, mode: 'sync', latencyMs: 0, speak: false };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${flag} needs a value`);
      return v;
    };
    if (flag === '--port') {
      args.port = Number(value());
      if (!Number.isInteger(args.port) || args.port < 0 || args.port > 65535) usage('--port must be 0..65535');
    } else if (flag === '--key') args.key = value();
    else if (flag === '--mode') {
      const m = value();
      if (m !== 'sync' && m !== 'async') usage('--mode must be sync or async');
      args.mode = m;
    } else if (flag === '--latency') {
      args.latencyMs = Number(value());
      if (!Number.isFinite(args.latencyMs) || args.latencyMs < 0) usage('--latency must be a number of milliseconds');
    } else if (flag === '--speak') args.speak = true;
    else usage(`unknown option ${flag}`);
  }
  return args;
}

/** Serves the demo sample (speech-like, about 5 s: no "too short" warning) at /samples/demo.wav; returns its URL. */
export function addDemoSample(double: NovitaDouble): string {
  return double.addFile('/samples/demo.wav', pcmToWav(demoSamplePcm()), 'audio/wav', DEMO_SAMPLE_TEXT);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const double = new NovitaDouble({
    apiKey: args.key,
    acceptAnyKey: args.key === undefined,
    mode: args.mode,
    latencyMs: args.latencyMs,
    speak: args.speak,
  });
  const baseUrl = await double.start(args.port);
  const sampleUrl = addDemoSample(double);
  process.stdout.write(`${JSON.stringify({ baseUrl, sampleUrl })}\n`);
  const shutdown = (): void => {
    void double.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`novita double failed: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
