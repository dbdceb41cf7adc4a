// Panel entry: create the bridge to Figma and the engine client, mount <App>.
import { render } from 'preact';
import { App } from './app';
import { createBridge, figmaPort } from './bridge';
import { startEngine } from './engine-client';
import './app.css';

render(<App bridge={createBridge(figmaPort(window))} engine={startEngine()} />, document.getElementById('app')!);
