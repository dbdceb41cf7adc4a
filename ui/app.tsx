import { useEffect, useState } from 'preact/hooks';
import type { CommandName } from '../plugin/protocol';
import type { Bridge } from './bridge';
import type { EngineClient } from './engine-client';

export interface AppProps {
  bridge: Bridge;
  engine: Promise<EngineClient>;
}

type EngineState = { status: 'starting' } | { status: 'ready'; backend: string; fallbackReason: string | null } | { status: 'failed'; message: string };

const COMMAND_TITLES: Record<CommandName, string> = {
  'edit-with-text': 'Edit with text',
  'batch-edit': 'Batch edit selected frames',
  'edit-again': 'Edit again',
  'model-pack': 'Model pack',
};

/** Placeholder panel: which command opened it and which backend the engine runs on. */
export function App({ bridge, engine }: AppProps) {
  const [engineState, setEngineState] = useState<EngineState>({ status: 'starting' });
  const [command, setCommand] = useState<{ name: CommandName; prompt: string | null } | null>(null);

  useEffect(() => {
    const off = bridge.on('SHOW_COMMAND', (message) => setCommand({ name: message.command, prompt: message.prompt }));
    bridge.send({ type: 'UI_READY' });
    return off;
  }, [bridge]);

  useEffect(() => {
    engine.then(
      ({ backend, fallbackReason }) => setEngineState({ status: 'ready', backend, fallbackReason }),
      (error: unknown) => setEngineState({ status: 'failed', message: error instanceof Error ? error.message : String(error) }),
    );
  }, [engine]);

  return (
    <main class="panel">
      <h1 class="title">facetext</h1>
      {command && (
        <p class="command" data-testid="command">
          {COMMAND_TITLES[command.name]}
          {command.prompt !== null && <span class="prompt">“{command.prompt}”</span>}
        </p>
      )}
      <p class="status" data-testid="engine-status" data-status={engineState.status}>
        {engineState.status === 'starting' && 'Starting the engine…'}
        {engineState.status === 'ready' && (
          <>
            Engine ready on <strong data-testid="backend">{engineState.backend === 'webgpu' ? 'WebGPU' : 'WebAssembly (CPU)'}</strong>
            <span class="backend-id" data-testid="backend-id">{engineState.backend}</span>
          </>
        )}
        {engineState.status === 'failed' && <span class="error">{engineState.message}</span>}
      </p>
      {engineState.status === 'ready' && engineState.fallbackReason && <p class="hint" data-testid="fallback-reason">{engineState.fallbackReason}</p>}
    </main>
  );
}
