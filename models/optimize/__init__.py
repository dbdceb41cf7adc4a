"""StyleCLIP latent optimisation (spec/styleclip.md §3), offline: python3 -m models.optimize."""
