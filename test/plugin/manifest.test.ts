import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/golden';

interface MenuItem { name?: string; command?: string; separator?: boolean; menu?: MenuItem[]; parameters?: Parameter[]; parameterOnly?: boolean }
interface Parameter { key: string; name: string; description?: string; allowFreeform?: boolean; optional?: boolean }
interface Manifest {
  name: string; id: string; api: string; editorType: string[]; documentAccess: string; main: string; ui: string;
  networkAccess: { allowedDomains: string[]; reasoning?: string; devAllowedDomains?: string[] };
  menu: MenuItem[]; relaunchButtons: { command: string; name: string }[];
}

const manifest = JSON.parse(readFileSync(resolve(REPO_ROOT, 'manifest.json'), 'utf8')) as Manifest;
const flatten = (items: MenuItem[]): MenuItem[] => items.flatMap((item) => (item.menu ? flatten(item.menu) : [item]));
const menuCommands = flatten(manifest.menu).filter((item) => !item.separator).map((item) => item.command!);
const relaunchCommands = manifest.relaunchButtons.map((button) => button.command);
const commandFiles = readdirSync(resolve(REPO_ROOT, 'plugin/commands')).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3));
const mainSource = readFileSync(resolve(REPO_ROOT, 'plugin/main.ts'), 'utf8');
const protocolSource = readFileSync(resolve(REPO_ROOT, 'plugin/protocol.ts'), 'utf8');
const camel = (kebab: string): string => kebab.replace(/-(.)/g, (_, c: string) => c.toUpperCase());
const sorted = (names: string[]): string[] => [...names].sort();

describe('manifest.json', () => {
  it('has the fields Figma requires, with the values facetext relies on', () => {
    expect(manifest.name).toBe('facetext');
    expect(manifest.id).toMatch(/\S/);
    expect(manifest.api).toBe('1.0.0');
    expect(manifest.editorType).toEqual(['figma']);
    expect(manifest.documentAccess).toBe('dynamic-page');
    expect(manifest.main).toBe('dist/code.js');
    expect(manifest.ui).toBe('dist/ui.html');
  });

  it('explains any network access beyond none and allows the local pack server in development', () => {
    const { allowedDomains, reasoning, devAllowedDomains } = manifest.networkAccess;
    expect(allowedDomains.length).toBeGreaterThan(0);
    if (!(allowedDomains.length === 1 && allowedDomains[0] === 'none')) expect(reasoning?.length ?? 0).toBeGreaterThan(80);
    // npm start: packs on 8787, the hosted panel on 8788 (scripts/serve.mjs).
    expect(devAllowedDomains).toEqual(['http://localhost:8787', 'http://localhost:8788']);
  });

  it('lists every command once, with names and no duplicates', () => {
    const all = [...menuCommands, ...relaunchCommands];
    expect(new Set(all).size).toBe(all.length);
    for (const item of flatten(manifest.menu).filter((i) => !i.separator)) expect(item.name).toMatch(/\S/);
    expect(sorted(menuCommands)).toEqual(['batch-edit', 'diagnostics', 'edit-with-text', 'model-pack']);
    expect(manifest.relaunchButtons).toEqual([{ command: 'edit-again', name: 'Edit again' }]);
  });

  it('lets "Edit with text…" take a free-form prompt from Quick Actions without requiring it', () => {
    const item = flatten(manifest.menu).find((i) => i.command === 'edit-with-text')!;
    expect(item.name).toBe('Edit with text…');
    expect(item.parameterOnly).toBe(false);
    expect(item.parameters).toHaveLength(1);
    expect(item.parameters![0]).toMatchObject({ key: 'prompt', name: 'Prompt', allowFreeform: true });
    expect(item.parameters![0]!.description).toMatch(/\S/);
  });

  it('has one plugin/commands file per command, each dispatched by main.ts and named in protocol.ts', () => {
    const commands = sorted([...menuCommands, ...relaunchCommands]);
    expect(sorted(commandFiles)).toEqual(commands);
    const dispatched = [...mainSource.matchAll(/^\s*'([a-z-]+)': (\w+),$/gm)].map((m) => [m[1]!, m[2]!] as const);
    expect(sorted(dispatched.map(([command]) => command))).toEqual(commands);
    for (const [command, handler] of dispatched) {
      expect(handler).toBe(`${camel(command)}Async`);
      expect(mainSource).toContain(`import { ${handler} } from './commands/${command}';`);
      expect(readFileSync(resolve(REPO_ROOT, `plugin/commands/${command}.ts`), 'utf8')).toContain(`export async function ${handler}(`);
    }
    const union = /export type CommandName = ([^;]+);/.exec(protocolSource)![1]!;
    expect(sorted([...union.matchAll(/'([a-z-]+)'/g)].map((m) => m[1]!))).toEqual(commands);
  });
});
