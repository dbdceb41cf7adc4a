"""The demo pack (models/packs/demo): a procedural stylised-face generator with CLIP-contract encoders."""
