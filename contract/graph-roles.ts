// The graph roles of a model pack (models/README.md, "Graph contracts"): what the engine runs and what its
// progress events name. Types and two name builders only, so every context can import them.

export type FixedGraphRole = 'mapping' | 'affine' | 'synthesis' | 'encoder' | 'clipText' | 'clipImage';
export type PreviewGraphRole = `synthesisPreview:${number}`;
export type MapperGraphRole = `mapper:${string}`;
export type GraphRole = FixedGraphRole | PreviewGraphRole | MapperGraphRole;

export const FIXED_GRAPH_ROLES: readonly FixedGraphRole[] = ['mapping', 'affine', 'synthesis', 'encoder', 'clipText', 'clipImage'];
/**
 * Graphs a pack may leave out: clipImage only builds relevance (edit-time packs drop it), clipText only
 * encodes free prompts (a preset-only pack stores every Δt it offers), and mapping only draws random faces
 * for `pack stats` / `pack relevance` (a photo edit starts from the encoder's W+; edit-time packs drop it).
 */
export const OPTIONAL_GRAPH_ROLES: readonly FixedGraphRole[] = ['mapping', 'clipText', 'clipImage'];

export function previewRole(resolution: number): PreviewGraphRole {
  return `synthesisPreview:${resolution}`;
}

export function mapperRole(name: string): MapperGraphRole {
  return `mapper:${name}`;
}
