"""StyleCLIP latent-mapper training (spec/styleclip.md §2), offline: python3 -m models.train_mapper."""
