// Figma's theme for the panel: with showUI({ themeColors: true }) Figma puts `figma-light` or `figma-dark` on the
// iframe's <html> and defines its --figma-color-* variables there. The host simulator does not, so the layout
// tests add them the same way. Values: Figma's UI3 light and dark tokens for the variables app.css uses.
import type { Frame } from 'playwright-core';

export type FigmaTheme = 'light' | 'dark';

const TOKENS: Record<FigmaTheme, Record<string, string>> = {
  light: {
    bg: '#ffffff', 'bg-secondary': '#f5f5f5', 'bg-tertiary': '#e6e6e6', 'bg-hover': '#f5f5f5', 'bg-brand': '#0d99ff', 'bg-brand-hover': '#007be5',
    'bg-selected': '#e5f4ff', 'bg-danger-tertiary': '#fff1ee', 'bg-warning-tertiary': '#fff7e0',
    text: '#000000e5', 'text-secondary': '#00000080', 'text-tertiary': '#0000004d', 'text-onbrand': '#ffffff', 'text-brand': '#007be5',
    'text-danger': '#dc3412', 'text-warning': '#b86200', 'text-success': '#14ae5c',
    border: '#e6e6e6', 'border-strong': '#b3b3b3', 'border-selected': '#0d99ff', 'icon-secondary': '#00000080',
  },
  dark: {
    bg: '#2c2c2c', 'bg-secondary': '#383838', 'bg-tertiary': '#444444', 'bg-hover': '#383838', 'bg-brand': '#0c8ce9', 'bg-brand-hover': '#0a6dc2',
    'bg-selected': '#4a5878', 'bg-danger-tertiary': '#4d2a24', 'bg-warning-tertiary': '#4d3a1f',
    text: '#ffffff', 'text-secondary': '#ffffffb3', 'text-tertiary': '#ffffff66', 'text-onbrand': '#ffffff', 'text-brand': '#7cc4f8',
    'text-danger': '#fca397', 'text-warning': '#f7d15f', 'text-success': '#79d297',
    border: '#444444', 'border-strong': '#666666', 'border-selected': '#0c8ce9', 'icon-secondary': '#ffffffb3',
  },
};

/** Applies `theme` to the panel in `frame` as Figma does (class on <html>, variables in a <style>). */
export async function applyFigmaThemeAsync(frame: Frame, theme: FigmaTheme): Promise<void> {
  const css = `:root{${Object.entries(TOKENS[theme]).map(([name, value]) => `--figma-color-${name}:${value}`).join(';')}}`;
  await frame.evaluate(({ theme, css }) => {
    document.documentElement.classList.remove('figma-light', 'figma-dark');
    document.documentElement.classList.add(`figma-${theme}`);
    const style = document.createElement('style');
    style.id = 'figma-style';
    style.textContent = css;
    document.getElementById('figma-style')?.remove();
    document.head.appendChild(style);
  }, { theme, css });
}
