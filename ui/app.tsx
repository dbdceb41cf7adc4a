// The panel: draws PanelState (panel-state.ts) and forwards the user's actions to the PanelController.
// Phases: idle → loading → ready → previewing → applying (data-phase on <main>, for tests and styling).
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import type { CommandName } from '../plugin/protocol';
import type { Bridge } from './bridge';
import { Banner } from './components/banner';
import { BatchErrors, BatchStatus } from './components/batch-status';
import { BeforeAfterToggle } from './components/before-after-toggle';
import { EditStack } from './components/edit-stack';
import { FaceChooser } from './components/face-chooser';
import { IdentityMeter } from './components/identity-meter';
import { PackChooser } from './components/pack-chooser';
import { PackDownloadNote } from './components/pack-storage';
import { PresetChips } from './components/preset-chips';
import { PreviewImage } from './components/preview-image';
import { formatBytes, ProgressBar } from './components/progress-bar';
import { PromptField } from './components/prompt-field';
import { DiagnosticsView } from './diagnostics-view';
import { activeRow, mapperName, usesLatent, type MethodChoice } from './edit-form';
import { vocabularyWarning } from './known-words';
import type { EngineClient } from './engine-client';
import type { ImageCodec } from './image-codec';
import { PanelController } from './panel-controller';
import { canCancel, type PanelState } from './panel-state';
import { timeWords } from './progress-label';
import { presetsFor } from '../contract/presets';

export interface AppProps {
  bridge: Bridge;
  engine: Promise<EngineClient>;
  codec: ImageCodec;
}

const COMMAND_TITLES: Record<CommandName, string> = {
  'edit-with-text': 'Edit with text',
  'batch-edit': 'Batch edit selected frames',
  'edit-again': 'Edit again',
  'model-pack': 'Model pack',
  diagnostics: 'Diagnostics',
};

export function App({ bridge, engine, codec }: AppProps) {
  const controller = useMemo(() => new PanelController({ bridge, engine, codec }), [bridge, engine, codec]);
  const [state, setState] = useState<PanelState>(controller.getState());
  useEffect(() => {
    const unsubscribe = controller.subscribe(setState);
    const stop = controller.start();
    return () => {
      unsubscribe();
      stop();
    };
  }, [controller]);
  if (state.command === 'diagnostics') return <main class="panel" data-phase={state.phase}><p class="command" data-testid="command">{COMMAND_TITLES.diagnostics}</p><DiagnosticsView engine={engine} /></main>;
  return <Panel state={state} controller={controller} />;
}

function Panel({ state, controller }: { state: PanelState; controller: PanelController }) {
  const { phase, form, pack, photo, face, preview, batch } = state;
  const working = phase === 'loading' || phase === 'applying';
  const batchRunning = batch !== null && batch.summary === null;
  const row = activeRow(form);
  const vocabularyNote = row.method === 'global' ? vocabularyWarning(row, pack) : null;
  const toggleBefore = useCallback(() => controller.toggleBefore(), [controller]);
  const allMappers = form.rows.every((r) => mapperName(r.method) !== null);
  const isBatch = state.command === 'batch-edit';
  const editing = state.command !== 'model-pack';
  const targets = state.selection?.targets.length ?? 0;
  const canApply = !working && !batchRunning && pack !== null && (isBatch ? targets > 0 : face !== null);
  // The preview in place: the photo around the face, edited as Apply will write it, or (before) as it is.
  const before = state.showBefore && preview !== null;
  const shown = preview !== null && !before ? preview.image : (face?.before ?? null);
  // The pack chooser leads while it is needed (no pack yet, or "Model pack…"); otherwise it waits at the end.
  const now = useClock(state, controller);
  const packFirst = !editing || (pack === null && phase !== 'loading');
  const packChooser = (
    <>
      <PackChooser url={state.packUrl} pack={pack} busy={working || batchRunning} open={packFirst}
        onUrl={(url) => controller.setPackUrl(url)} onLoadUrl={() => controller.loadPackFromUrl()} onFolder={(files) => controller.loadPackFromFiles(files)} />
      <PackDownloadNote pack={pack} />
    </>
  );
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && canCancel(state)) {
      event.preventDefault();
      controller.cancel();
    } else if (event.key === 'Enter' && (event.metaKey || event.ctrlKey) && editing && canApply) {
      event.preventDefault();
      controller.apply();
    }
  };

  return (
    // The panel is one screen: header, a body that scrolls, and a footer that always shows progress, Apply and Cancel.
    <main class="panel" data-phase={phase} onKeyDown={onKeyDown}>
      <header class="header">
        <div class="header-text">
          <h1 class="title">facetext</h1>
          {state.command !== null && (
            <p class="command" data-testid="command">
              {COMMAND_TITLES[state.command]}
              {state.command === 'edit-with-text' && state.quickRun && <span class="prompt"> “{row.prompt}”</span>}
            </p>
          )}
        </div>
        <EngineStatusLabel state={state} />
      </header>

      <div class="panel-body" data-testid="panel-body">
        {state.error !== null && (
          <Banner kind="error" testid="error-banner" title={state.error.title} onDismiss={() => controller.dismissError()}>
            <p>{state.error.message}</p>
          </Banner>
        )}

        {packFirst && packChooser}

        {editing && (
          <>
            <section class="preview" aria-label="Preview">
              <PreviewImage image={shown} showing={shown === null ? 'none' : before || preview === null ? 'before' : 'after'}
                label={shown === null ? (targets === 0 ? 'Select an image with a face' : 'No face yet') : before || preview === null ? 'The photo as it is' : 'The photo as Apply will write it (preview)'} />
              <div class="preview-side">
                {state.target !== null && <p class="target-name" title={state.target.name}>{state.target.name}</p>}
                {photo !== null && photo.faces.length > 1 && (
                  <FaceChooser faces={photo.faces} value={state.faceIndex} disabled={working} onChoose={(index) => controller.chooseFace(index)} />
                )}
                <BeforeAfterToggle showingBefore={before} disabled={face === null || preview === null} onToggle={toggleBefore} />
                <p class="readout" data-testid="channels-kept" data-value={preview?.channelsKept.join(',') ?? ''}>
                  {allMappers ? 'Mapper edit' : usesLatent(form) && form.rows.length === 1 ? 'Latent as given' : preview === null ? 'Channels kept: –' : `Channels kept: ${preview.channelsKept.join(', ')}`}
                </p>
                {face !== null && <IdentityMeter identity={state.identity} />}
              </div>
            </section>

            <PromptField prompt={row.prompt} neutral={row.neutral} disabled={batchRunning}
              onChange={(change) => controller.setForm(change)} onSubmit={() => controller.preview()} />
            {vocabularyNote !== null && <p class="inline-note" data-testid="vocabulary-warning" role="status">{vocabularyNote}</p>}
            <PresetChips presets={presetsFor(pack?.presets)} prompt={row.prompt} disabled={batchRunning} onPick={(preset) => controller.applyPreset(preset)} />

            <div class="field field-inline">
              <label for="method-select">Method</label>
              <select id="method-select" data-testid="method-select" value={row.method} disabled={batchRunning}
                onChange={(event) => controller.setForm({ method: event.currentTarget.value as MethodChoice }, { preview: true })}>
                <option value="global">Global direction (any prompt)</option>
                {(pack?.mappers ?? []).map((m) => <option key={m.name} value={`mapper:${m.name}`}>{`Mapper: ${m.name}`}</option>)}
                <option value="latent">Optimised latent (.npy file)</option>
              </select>
            </div>
            {row.method === 'latent' && (
              <div class="field">
                <label for="latent-input" title="The W+ that python3 -m models.optimize wrote for this face (wplus.npy)">Latent file</label>
                <input id="latent-input" data-testid="latent-input" type="file" accept=".npy" disabled={batchRunning || pack === null}
                  onChange={(event) => {
                    const file = event.currentTarget.files?.[0];
                    if (file !== undefined) controller.loadLatent(file);
                  }} />
                <p class="inline-note" data-testid="latent-name">{state.latent === null ? 'No latent picked yet.' : `Rendering ${state.latent.file} instead of the inverted face.`}</p>
              </div>
            )}

            <EditStack form={form} disabled={batchRunning} onSelect={(index) => controller.selectEdit(index)} onAdd={() => controller.addEdit()} onRemove={(index) => controller.removeEdit(index)}
              onChange={(index, change) => controller.setForm(change, { preview: 'draft', row: index })} onCommit={() => controller.refinePreview()} />
            {state.betaNote !== null && <p class="inline-note" data-testid="beta-note" role="status">{state.betaNote}</p>}
          </>
        )}

        {state.warnings.length > 0 && (
          <Banner kind="warning" testid="warning-banner">
            {state.warnings.map((warning) => <p key={warning}>{warning}</p>)}
          </Banner>
        )}
        {state.notice !== null && <p class={`notice notice-${state.noticeTone}`} data-testid="notice" data-tone={state.noticeTone} role={state.noticeTone === 'error' ? 'alert' : 'status'}>{state.notice}</p>}
        {batch?.summary != null && batch.summary.errors.length > 0 && <BatchErrors errors={batch.summary.errors} />}
        {!packFirst && packChooser}
      </div>

      <footer class="footer" data-testid="panel-footer">
        <Activity state={state} now={now} />
        {(editing || canCancel(state)) && (
          <div class="actions">
            {editing && (
              <button type="button" class="button-primary" data-testid="apply-button" disabled={!canApply} onClick={() => controller.apply()} title="Apply (Ctrl+Enter)">
                {isBatch ? `Apply to ${targets} image${targets === 1 ? '' : 's'}` : phase === 'applying' ? 'Applying…' : 'Apply'}
              </button>
            )}
            {(canCancel(state) || (batchRunning && batch.cancelling)) && (
              <button type="button" class="button-secondary button-cancel" data-testid="cancel-button" disabled={!canCancel(state)} onClick={() => controller.cancel()} title="Cancel (Escape)">
                {batch?.cancelling === true ? 'Cancelling…' : 'Cancel'}
              </button>
            )}
          </div>
        )}
      </footer>
    </main>
  );
}

/** What the engine is doing: the activity line, the current step, a file's download and a batch's images. */
function Activity({ state, now }: { state: PanelState; now: number }) {
  const { stage, phase, download, batch } = state;
  return (
    <>
      {state.activity !== null && (batch === null || batch.summary !== null) && <p class="activity" data-testid="activity" role="status" title={state.activity}>{state.activity}</p>}
      {stage !== null && phase !== 'idle' && phase !== 'ready' && (
        <ProgressBar testid="stage-progress" label={stage.label} value={stage.value} max={stage.max} detail={stage.detail}
          time={timeWords({ startedAt: stage.startedAt, now, ...(stage.measurable ? { done: stage.value, total: stage.max } : {}) })} />
      )}
      {download !== null && (
        <ProgressBar testid="pack-progress" label={`Downloading ${download.file}`} value={download.loaded} max={download.total} detail={formatBytes(download.loaded, download.total)}
          time={timeWords({ startedAt: download.startedAt, now, done: download.loaded, total: download.total })} />
      )}
      {batch !== null && <BatchStatus batch={batch} time={batch.summary === null ? timeWords({ startedAt: batch.startedAt, now, done: batch.done, total: batch.total }) : undefined} />}
    </>
  );
}

/** The controller's clock, read again every half second while a step runs, so elapsed and remaining times move. */
function useClock(state: PanelState, controller: PanelController): number {
  const running = state.stage !== null || state.download !== null || (state.batch !== null && state.batch.summary === null);
  const [now, setNow] = useState(() => controller.now());
  useEffect(() => {
    if (!running) return undefined;
    setNow(controller.now());
    const timer = setInterval(() => setNow(controller.now()), 500);
    return () => clearInterval(timer);
  }, [running, controller]);
  return now;
}

function EngineStatusLabel({ state }: { state: PanelState }) {
  const { engine } = state;
  return (
    <div class="engine-status" data-testid="engine-status" data-status={engine.status}>
      {engine.status === 'starting' && <span class="badge">Starting…</span>}
      {engine.status === 'ready' && (
        <>
          <span class="badge" data-testid="backend-label" title={[engine.fallbackReason ?? (engine.backend === 'webgpu' ? 'Running on the GPU (WebGPU)' : 'Running on the CPU (WebAssembly)'), state.graphsNote].filter((line) => line !== null).join('\n')}>{engine.backend === 'webgpu' ? 'WebGPU' : 'WASM (CPU)'}</span>
          <span class="backend-id" data-testid="backend-id">{engine.backend}</span>
          {engine.fallbackReason !== null && <span class="backend-id" data-testid="fallback-reason">{engine.fallbackReason}</span>}
          {/* The badge names the engine's backend, where previews and Apply render; a graph that runs elsewhere (the int8 face encoder on the CPU) is said beside it. */}
          {state.graphsNote !== null && <span class="hint graphs-note" data-testid="graphs-note">{state.graphsNote}</span>}
        </>
      )}
      {engine.status === 'failed' && <span class="badge badge-error" title={engine.message}>Engine failed</span>}
    </div>
  );
}
