// Panel entry: create the bridge to Figma, the engine client and the image codec; mount <App>.
// One source, two builds (scripts/build.mjs): 'inline' is ui.html with everything inside it (origin null);
// 'hosted' is dist/hosted/index.html on a static host, which fetches its assets and may keep packs.
import { render } from 'preact';
import { App } from './app';
import { createBridge, figmaPort } from './bridge';
import { startEngine } from './engine-client';
import { readFaceModelAssets } from './face-model-assets';
import { fetchFaceModelAssets, hostedEngineAssets } from './hosted-assets';
import { hostedFigmaPort } from './hosted-port';
import { createImageCodec } from './image-codec';
import './app.css';

declare const __FACETEXT_MODE__: 'inline' | 'hosted'; // scripts/build.mjs
declare const __FACETEXT_PLUGIN_ID__: string; // manifest.json's id, which a hosted page's messages carry

performance.mark('facetext-ui-start'); // Diagnostics reports when the panel script began (ui/diagnostics.ts)
const hosted = __FACETEXT_MODE__ === 'hosted';
const bridge = createBridge(hosted ? hostedFigmaPort(window, __FACETEXT_PLUGIN_ID__) : figmaPort(window));
// hostedEngineAssets() throws on a malformed ?threads=: inside the promise, the panel shows it as the engine's error.
const engine = hosted
  ? Promise.resolve().then(() => startEngine({ hosted: hostedEngineAssets(), faceModels: () => fetchFaceModelAssets() }))
  : startEngine({ faceModels: () => readFaceModelAssets() });
render(<App bridge={bridge} engine={engine} codec={createImageCodec()} />, document.getElementById('app')!);
