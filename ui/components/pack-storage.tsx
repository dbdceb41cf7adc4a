// What a pack costs over the network this run, and the packs stored on this computer (hosted panel only).
// Figma's inline panel has origin null: nothing can be stored, so it says every run downloads the pack again and
// offers the folder picker, which downloads nothing. A hosted panel keeps verified files (pack-cache.ts).
import { useEffect, useState } from 'preact/hooks';
import type { PackSummary } from '../worker/engine-api';
import { clearPackStore, packStoreUsage, type PackStoreUsage } from '../worker/pack/pack-cache';

/** 12345678 → "12.3 MB"; under 1 MB in kB. */
export function formatSize(bytes: number): string {
  return bytes >= 1e6 ? `${(bytes / 1e6).toFixed(1)} MB` : `${(bytes / 1e3).toFixed(1)} kB`;
}

/** Shown as soon as pack.json is read, before any of the pack's files is downloaded. */
export function PackDownloadNote({ pack }: { pack: PackSummary | null }) {
  const plan = pack?.download;
  if (plan === null || plan === undefined) return null;
  const toFetch = plan.totalBytes - plan.storedBytes;
  return (
    <p class="hint" data-testid="pack-download-note" data-fetch-bytes={toFetch} data-stored-bytes={plan.storedBytes} data-total-bytes={plan.totalBytes}>
      {!plan.persistent ? (
        <>
          This run downloads up to {formatSize(plan.totalBytes)} of pack files, each when first used. This panel cannot keep them
          (its origin is null), so every run downloads them again. To download nothing, <label for="pack-folder-input" data-testid="pack-folder-offer" style={{ textDecoration: 'underline', cursor: 'pointer' }}>pick the pack folder</label> on this computer instead.
        </>
      ) : toFetch === 0 ? (
        <>All {formatSize(plan.totalBytes)} of this pack are stored on this computer: this run downloads none of it.</>
      ) : (
        <>This run downloads up to {formatSize(toFetch)} of pack files ({formatSize(plan.storedBytes)} of {formatSize(plan.totalBytes)} already stored on this computer; each file is kept once it has been checked).</>
      )}
    </p>
  );
}

const USAGE_REFRESH_MS = 2_000;

/** Storage use and Clear, inside the Model pack section; nothing where this panel cannot store. */
export function PackStorage() {
  const [usage, setUsage] = useState<PackStoreUsage | null>(null);
  const [cleared, setCleared] = useState(false);
  useEffect(() => {
    let live = true;
    const refresh = () => packStoreUsage().then((u) => live && setUsage(u), () => live && setUsage(null));
    void refresh();
    const timer = setInterval(refresh, USAGE_REFRESH_MS); // files are stored while graphs load
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, []);
  if (usage === null) return null;
  return (
    <div class="field" data-testid="pack-storage" data-bytes={usage.bytes} data-files={usage.files}>
      <span class="hint">
        Stored on this computer: {formatSize(usage.bytes)} in {usage.files} file{usage.files === 1 ? '' : 's'}{cleared && usage.files === 0 ? ' (cleared)' : ''}
      </span>
      <button type="button" class="button-secondary" data-testid="pack-storage-clear" disabled={usage.files === 0}
        onClick={() => void clearPackStore().then(async () => {
          setCleared(true);
          setUsage(await packStoreUsage());
        })}>
        Clear stored packs
      </button>
    </div>
  );
}
