"""Pieces shared by the offline StyleCLIP tools (models/optimize, models/train_mapper): CLIP tokenizer, the CLIP
and identity losses, W+ files, PNG output and the one-line user-error convention."""
