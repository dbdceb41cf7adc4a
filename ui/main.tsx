// Panel entry: create the bridge to Figma, the engine client and the image codec; mount <App>.
import { render } from 'preact';
import { App } from './app';
import { createBridge, figmaPort } from './bridge';
import { startEngine } from './engine-client';
import { readFaceModelAssets } from './face-model-assets';
import { createImageCodec } from './image-codec';
import './app.css';

performance.mark('facetext-ui-start'); // Diagnostics reports when the panel script began (ui/diagnostics.ts)
render(<App bridge={createBridge(figmaPort(window))} engine={startEngine({ faceModels: () => readFaceModelAssets() })} codec={createImageCodec()} />, document.getElementById('app')!);
