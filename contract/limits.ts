// Limits of the host that every context must agree on.

/**
 * Figma's largest image side (spec/platform.md §2: createImage throws above it; exportAsync and image fills
 * stop there). The main thread renders frames within it, the panel scales results to it, and the engine fits
 * photos to it.
 */
export const MAX_IMAGE_SIDE = 4096;
