// A labelled progress bar: determinate when `max` > 0, else indeterminate.
export interface ProgressBarProps {
  label: string;
  value: number;
  max: number;
  testid: string;
  /** Shown right of the label, e.g. "12.1 of 48.0 MB". */
  detail?: string;
  /** Elapsed and remaining time, e.g. "8 s · about 20 s left" (ui/progress-label.ts). */
  time?: string;
}

export function ProgressBar({ label, value, max, testid, detail, time }: ProgressBarProps) {
  const determinate = max > 0;
  return (
    <div class="progress" data-testid={testid} data-value={determinate ? value : undefined} data-max={determinate ? max : undefined}>
      <div class="progress-text">
        <span>{label}</span>
        {detail !== undefined && <span class="progress-detail">{detail}</span>}
      </div>
      {time !== undefined && <span class="progress-time" data-testid={`${testid}-time`}>{time}</span>}
      <progress aria-label={label} value={determinate ? Math.min(value, max) : undefined} max={determinate ? max : undefined} />
    </div>
  );
}

/** "12.1 of 48.0 MB" (kB below 1 MB). */
export function formatBytes(loaded: number, total: number): string {
  const unit = total >= 1e6 ? { div: 1e6, name: 'MB' } : { div: 1e3, name: 'kB' };
  return `${(loaded / unit.div).toFixed(1)} of ${(total / unit.div).toFixed(1)} ${unit.name}`;
}
