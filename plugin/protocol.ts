// Main thread ↔ UI messages: types only. ui/ imports this file with `import type`.
// Handlers switch on `type` exhaustively. Each message carries at most one image (spec/platform.md §3:
// postMessage copies and has no transfer list). Replies carry the `requestId` of the message they answer.
//
// Single edit:   UI_READY → SHOW_COMMAND · REQUEST_TARGET → TARGET_IMAGE | SELECTION_ERROR
//                APPLY_RESULT → RESULT_APPLIED | APPLY_FAILED
// Batch:         START_BATCH → (TARGET_IMAGE → APPLY_RESULT | ITEM_FAILED → RESULT_APPLIED? → BATCH_PROGRESS)×m
//                → BATCH_DONE; CANCEL_BATCH at any time stops after the item in flight.
// Edit again:    SHOW_COMMAND carries the result's recipe; APPLY_RESULT then updates that result layer.

import type { EditRecipe, Recipe } from '../contract/recipe';

export type { EditRecipe, Recipe };

/** The manifest's menu and relaunch commands (test/plugin/manifest.test.ts keeps the three lists equal). */
export type CommandName = 'edit-with-text' | 'batch-edit' | 'edit-again' | 'model-pack' | 'diagnostics';

/** How a target's bytes were obtained: the stored IMAGE fill, or a render of a frame via exportAsync. */
export type TargetSource = 'fill' | 'export';

/** One usable image in the selection (no bytes: those travel one at a time in TARGET_IMAGE). */
export interface TargetInfo {
  nodeId: string;
  name: string;
  source: TargetSource;
}

/** A selected layer that gave no image, and why. */
export interface SkippedNode {
  nodeId: string;
  name: string;
  reason: string; // e.g. "a TEXT layer has no image fill"
}

/** The current selection as targets. `message` is set when nothing usable is selected, and says what to select. */
export interface SelectionSummary {
  targets: TargetInfo[];
  skipped: SkippedNode[];
  message: string | null;
}

/** One failed batch item, for the list shown at the end. */
export interface ItemError {
  nodeId: string;
  name: string;
  message: string;
}

/** Main thread → panel. */
export type ToUi =
  | {
      type: 'SHOW_COMMAND'; // answer to UI_READY: which command opened the panel and what it works on
      command: CommandName;
      prompt: string | null; // the Quick Actions `prompt` parameter, null when the user skipped it
      recipe: Recipe | null; // edit-again: the launching result's recipe; null otherwise
      resultNodeId: string | null; // edit-again: the result layer APPLY_RESULT will update; null otherwise
      selection: SelectionSummary; // the targets (for edit-again: the recipe's source layer)
      packUrl: string | null; // the pack URL last remembered with REMEMBER_PACK_URL (figma.clientStorage)
      error: string | null; // e.g. a malformed recipe on edit-again; the panel shows it in its error banner
    }
  | { type: 'SELECTION_CHANGED'; selection: SelectionSummary } // the user changed the selection while the panel is open
  | {
      type: 'TARGET_IMAGE'; // one image: the reply to REQUEST_TARGET, or item `index` of a batch
      requestId: string; // of the REQUEST_TARGET or START_BATCH it answers
      nodeId: string;
      name: string;
      index: number; // 0-based position among `total` targets
      total: number;
      bytes: Uint8Array; // PNG/JPEG/GIF file bytes as stored (fill) or a PNG render (export)
      width: number; // pixel size of the bytes
      height: number;
      source: TargetSource;
    }
  | { type: 'NOTHING_SELECTED'; requestId: string | null; message: string } // no usable layer is selected
  | { type: 'SELECTION_ERROR'; requestId: string | null; message: string } // a target could not be read (gone, not an image, too large)
  | { type: 'RESULT_APPLIED'; requestId: string; index: number; resultNodeId: string; name: string; added: boolean } // the result layer exists (added: new; false: an earlier result updated)
  | { type: 'APPLY_FAILED'; requestId: string; index: number; message: string } // the result could not be written (e.g. > 4096 px)
  | { type: 'BATCH_PROGRESS'; requestId: string; done: number; total: number; failed: number } // after each item: n of m
  | {
      type: 'BATCH_DONE'; // the batch ended: every item handled, or cancelled after the item in flight
      requestId: string;
      completed: number; // results written
      total: number;
      cancelled: boolean;
      resultNodeIds: string[];
      errors: ItemError[];
    };

/** Panel → main thread. */
export type ToPlugin =
  | { type: 'UI_READY' } // the panel has mounted and listens for ToUi messages
  | { type: 'REQUEST_TARGET'; requestId: string; index: number } // send target `index` of the current selection as TARGET_IMAGE
  | { type: 'START_BATCH'; requestId: string } // send every target in turn, waiting for APPLY_RESULT/ITEM_FAILED between them
  | {
      type: 'APPLY_RESULT'; // write an edited image as a new layer beside its target (edit-again: update the result layer)
      requestId: string; // of the TARGET_IMAGE it answers
      index: number;
      nodeId: string; // the target's node id
      bytes: Uint8Array; // PNG of the edited photo, ≤ 4096 px per side
      width: number;
      height: number;
      recipe: EditRecipe;
    }
  | { type: 'ITEM_FAILED'; requestId: string; index: number; nodeId: string; message: string } // the engine could not edit this target (e.g. no face)
  | { type: 'CANCEL_BATCH'; requestId: string } // stop after the item in flight; keep what was written
  | { type: 'REMEMBER_PACK_URL'; url: string } // store the pack URL in figma.clientStorage for next time
  | { type: 'NOTIFY'; message: string; error: boolean } // show a figma.notify toast
  | { type: 'CLOSE_PLUGIN' }; // close the plugin (destroys the panel)
