// The identity meter beside the preview: how much the edited face still looks like the original (and, before
// any edit, how well the face was inverted), as face-recognition descriptor similarity, 0–100 %.
import type { IdentityView } from '../panel-state';
import type { IdentityScore } from '../worker/photo-api';

const EXPLAIN =
  'Similarity of face-recognition descriptors (face-api, on this device): 100 % is the same descriptor, 50 % sits at the usual same-person threshold, 0 % is as far apart as two different people. A likeness score, not a proof of identity; cartoon faces are outside what the network knows.';

export function IdentityMeter({ identity }: { identity: IdentityView }) {
  return (
    <div class="identity" data-testid="identity-meter" title={identity.unavailable ?? EXPLAIN}
      data-identity={identity.edited?.score ?? ''} data-reconstruction={identity.reconstruction?.score ?? ''}>
      <Row label="Likeness" testid="identity-score" score={identity.edited} hint="the original face vs this preview" />
      <Row label="Inversion" testid="reconstruction-score" score={identity.reconstruction} hint="the original face vs its unedited render" />
    </div>
  );
}

function Row({ label, testid, score, hint }: { label: string; testid: string; score: IdentityScore | null; hint: string }) {
  const text = score === null ? '–' : `${score.score} %`;
  return (
    <div class="identity-row" data-testid={testid}>
      <span class="readout" title={hint}>{label}</span>
      <meter min={0} max={100} low={50} high={85} optimum={100} value={score?.score ?? 0} aria-label={`${label}: ${text}`} />
      <span class="readout identity-value">{text}</span>
    </div>
  );
}
