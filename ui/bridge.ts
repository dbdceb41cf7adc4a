// Typed messages between the panel and Figma's main thread (plugin/protocol.ts) over an injected port,
// so tests and the playground can stand in for Figma. Importing this module installs nothing.
import type { ToPlugin, ToUi } from '../plugin/protocol';

export interface BridgePort {
  post(message: ToPlugin): void;
  listen(handler: (message: ToUi) => void): () => void;
}

export interface Bridge {
  send(message: ToPlugin): void;
  on<T extends ToUi['type']>(type: T, handler: (message: Extract<ToUi, { type: T }>) => void): () => void;
}

/** Figma's port: the panel posts `{ pluginMessage }` to its parent and receives the same shape back. */
export function figmaPort(win: Window): BridgePort {
  return {
    post: (message) => win.parent.postMessage({ pluginMessage: message }, '*'),
    listen: (handler) => {
      const listener = (event: MessageEvent<{ pluginMessage?: ToUi } | null>) => {
        const message = event.data?.pluginMessage;
        if (message !== undefined && typeof message === 'object' && message !== null) handler(message);
      };
      win.addEventListener('message', listener);
      return () => win.removeEventListener('message', listener);
    },
  };
}

export function createBridge(port: BridgePort): Bridge {
  return {
    send: (message) => port.post(message),
    on: (type, handler) => port.listen((message) => {
      if (message.type === type) handler(message as Extract<ToUi, { type: typeof type }>);
    }),
  };
}
