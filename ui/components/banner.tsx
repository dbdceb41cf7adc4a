// Error and warning banners (role=alert / role=status so screen readers announce them).
import type { ComponentChildren } from 'preact';

export interface BannerProps {
  kind: 'error' | 'warning' | 'notice';
  testid: string;
  title?: string;
  children: ComponentChildren;
  onDismiss?: () => void;
}

export function Banner({ kind, testid, title, children, onDismiss }: BannerProps) {
  return (
    <div class={`banner banner-${kind}`} data-testid={testid} role={kind === 'error' ? 'alert' : 'status'}>
      <div class="banner-body">
        {title !== undefined && <strong class="banner-title">{title}</strong>}
        {children}
      </div>
      {onDismiss !== undefined && (
        <button type="button" class="icon-button" aria-label="Dismiss" onClick={onDismiss}>×</button>
      )}
    </div>
  );
}
