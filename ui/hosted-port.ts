// The bridge's port for the hosted panel: a page with its own origin in Figma's plugin frame ("Non-null origin
// iframes", developers.figma.com/docs/plugins/creating-ui). Figma documents that such a page adds `pluginId` to
// every message and should post to 'https://www.figma.com', so that no other page that embeds it receives the
// user's images. Only messages from that parent are taken in. When the page itself is served from this computer
// (npm start, the playground's emulation), a parent on this computer is accepted as well.
import type { BridgePort } from './bridge';
import type { ToPlugin, ToUi } from '../plugin/protocol';

export const FIGMA_ORIGIN = 'https://www.figma.com';
const LOOPBACK = /^(localhost|127\.0\.0\.1|\[::1\])$/;

/** The origin to post to and to accept messages from: Figma's, or a loopback parent for a loopback page. */
export function parentOrigin(win: Pick<Window, 'location'>): string {
  const ancestor = win.location.ancestorOrigins?.[0];
  if (ancestor !== undefined && ancestor !== FIGMA_ORIGIN && LOOPBACK.test(win.location.hostname)) {
    try {
      if (LOOPBACK.test(new URL(ancestor).hostname)) return ancestor;
    } catch {
      // an ancestor origin that is no URL ('null') is not trusted
    }
  }
  return FIGMA_ORIGIN;
}

export function hostedFigmaPort(win: Window, pluginId: string): BridgePort {
  const target = parentOrigin(win);
  return {
    post: (message: ToPlugin) => win.parent.postMessage({ pluginMessage: message, pluginId }, target),
    listen: (handler) => {
      const listener = (event: MessageEvent<{ pluginMessage?: ToUi } | null>) => {
        if (event.source !== win.parent || event.origin !== target) return;
        const message = event.data?.pluginMessage;
        if (message !== undefined && typeof message === 'object' && message !== null) handler(message);
      };
      win.addEventListener('message', listener);
      return () => win.removeEventListener('message', listener);
    },
  };
}
