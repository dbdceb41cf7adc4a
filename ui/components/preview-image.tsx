// Draws an RGBA image into a canvas (scaled by CSS): the aligned input ("before") or the preview ("after").
import { useEffect, useRef } from 'preact/hooks';
import type { RgbaImage } from '../worker/image';

export interface PreviewImageProps {
  image: RgbaImage | null;
  label: string;
  /** 'before' or 'after', for tests and styling. */
  showing: string;
}

export function PreviewImage({ image, label, showing }: PreviewImageProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const element = canvas.current;
    if (element === null || image === null) return;
    element.width = image.width;
    element.height = image.height;
    element.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(image.data), image.width, image.height), 0, 0);
  }, [image]);
  return (
    <div class="preview-frame">
      {image !== null
        ? <canvas ref={canvas} class="preview-canvas" data-testid="preview-image" data-showing={showing} data-size={`${image.width}x${image.height}`} role="img" aria-label={label} />
        : <div class="preview-empty" data-testid="preview-image" data-showing="none">{label}</div>}
    </div>
  );
}
