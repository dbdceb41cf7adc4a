// Which face of a group photo to edit (largest first); faces too small to edit are listed but disabled.
import type { PhotoFace } from '../worker/photo-api';

export interface FaceChooserProps {
  faces: readonly PhotoFace[];
  value: number;
  disabled: boolean;
  onChoose: (index: number) => void;
}

export function FaceChooser({ faces, value, disabled, onChoose }: FaceChooserProps) {
  return (
    <div class="field">
      <label for="face-chooser">Face</label>
      <select id="face-chooser" data-testid="face-chooser" value={value} disabled={disabled} onChange={(event) => onChoose(Number(event.currentTarget.value))}>
        {faces.map((face) => (
          <option key={face.index} value={face.index} disabled={face.tooSmall}>
            {`Face ${face.index + 1} · ${Math.round(face.quadSize)} px${face.tooSmall ? ' (too small)' : ''}`}
          </option>
        ))}
      </select>
    </div>
  );
}
