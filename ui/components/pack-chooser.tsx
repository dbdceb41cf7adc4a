// Where the model pack comes from: a URL (Load) or a folder on disk, and what is loaded. Its downloads show in
// the panel's footer, which stays in view.
import type { PackFileLike, PackSummary } from '../worker/engine-api';
import { PackStorage } from './pack-storage';

export interface PackChooserProps {
  url: string;
  pack: PackSummary | null;
  busy: boolean;
  open: boolean;
  onUrl: (url: string) => void;
  onLoadUrl: () => void;
  onFolder: (files: PackFileLike[]) => void;
}

export function PackChooser({ url, pack, busy, open, onUrl, onLoadUrl, onFolder }: PackChooserProps) {
  return (
    <details class="pack" open={open}>
      <summary>
        <span class="section-title">Model pack</span>
        <span class="pack-name" data-testid="pack-name">{pack === null ? 'none loaded' : `${pack.id} · ${pack.resolution} px${pack.demo ? ' · demo only' : ''}`}</span>
      </summary>
      <div class="pack-body">
        <div class="field">
          <label for="pack-url-input">Pack URL</label>
          <div class="row">
            <input id="pack-url-input" data-testid="pack-url-input" type="url" value={url} spellcheck={false} autocomplete="off"
              onInput={(event) => onUrl(event.currentTarget.value)}
              onKeyDown={(event) => { if (event.key === 'Enter') { event.preventDefault(); onLoadUrl(); } }} />
            <button type="button" class="button-secondary" data-testid="pack-load-button" disabled={busy} onClick={onLoadUrl}>Load</button>
          </div>
        </div>
        <div class="field">
          <label for="pack-folder-input">Or a pack folder on this computer</label>
          <input id="pack-folder-input" data-testid="pack-folder-input" type="file" multiple disabled={busy}
            {...{ webkitdirectory: '' }}
            onChange={(event) => {
              const input = event.currentTarget;
              onFolder(Array.from(input.files ?? []));
              input.value = '';
            }} />
        </div>
        {pack !== null && <p class="hint" data-testid="pack-description">{pack.description}</p>}
        <PackStorage />
      </div>
    </details>
  );
}
