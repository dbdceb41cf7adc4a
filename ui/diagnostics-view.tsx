// The panel's "Diagnostics…" view: the report as a readable list, its JSON in a read-only box, and Copy JSON.
import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { collectDiagnostics, diagnosticsRows, type DiagnosticsReport } from './diagnostics';
import type { EngineClient } from './engine-client';

export function DiagnosticsView({ engine }: { engine: Promise<EngineClient> }) {
  const [report, setReport] = useState<DiagnosticsReport | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    collectDiagnostics(engine).then(
      (collected) => live && setReport(collected),
      (error: unknown) => live && setFailure(error instanceof Error ? error.message : String(error)),
    );
    return () => void (live = false);
  }, [engine]);

  const json = report === null ? '' : JSON.stringify(report, null, 2);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(json);
      setCopied('Copied.');
    } catch {
      // A frame without clipboard permission (Figma's may lack it): select the text so Ctrl/Cmd+C copies it.
      const box = document.getElementById('diagnostics-json') as HTMLTextAreaElement | null;
      box?.select();
      setCopied(document.execCommand('copy') ? 'Copied.' : 'Selected: press Ctrl+C (⌘C) to copy.');
    }
  };

  return (
    <section class="diagnostics" data-testid="diagnostics" data-state={report !== null ? 'ready' : failure !== null ? 'failed' : 'collecting'}>
      {report === null && failure === null && <p class="activity" role="status">Collecting diagnostics…</p>}
      {failure !== null && <p class="notice" role="alert">Diagnostics failed: {failure}</p>}
      {report !== null && (
        <>
          <dl class="diagnostics-list" style={{ display: 'grid', gridTemplateColumns: 'auto 1fr', gap: '2px 8px', margin: 0 }}>
            {diagnosticsRows(report).map(([label, value]) => (
              <Fragment key={label}>
                <dt style={{ fontWeight: 600 }}>{label}</dt>
                <dd style={{ margin: 0, overflowWrap: 'anywhere' }}>{value}</dd>
              </Fragment>
            ))}
          </dl>
          <textarea id="diagnostics-json" data-testid="diagnostics-json" readOnly rows={6} value={json} style={{ width: '100%', fontFamily: 'monospace', fontSize: '10px' }} />
          <button type="button" class="button-secondary" data-testid="diagnostics-copy" onClick={() => void copy()}>Copy JSON</button>
          {copied !== null && <span class="hint" role="status"> {copied}</span>}
        </>
      )}
    </section>
  );
}
