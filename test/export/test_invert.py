"""python3 -m models.train_mapper.invert: aligned face PNGs → e4e training latents, against the e4e-tiny golden."""
from __future__ import annotations

import shutil

import numpy as np
import torch

from golden_support import assert_close, golden, golden_path
from models.styleclip.images import read_png, write_png
from models.train_mapper.invert import main


def test_png_reading_gives_the_golden_pixels():
    pixels = golden("e4e-tiny/input_uint8.npy")
    assert np.array_equal(read_png(golden_path("e4e-tiny/input_0.png")), pixels[0])
    assert np.array_equal(read_png(golden_path("e4e-tiny/input_1_resized.png")), pixels[1])


def test_a_folder_of_aligned_faces_becomes_the_golden_wplus_codes(tmp_path):
    faces = tmp_path / "aligned"
    faces.mkdir()
    shutil.copy(golden_path("e4e-tiny/input_0.png"), faces / "a.png")
    shutil.copy(golden_path("e4e-tiny/input_1_resized.png"), faces / "b.png")
    out = tmp_path / "train_faces.npy"
    assert main(["--e4e", str(golden_path("e4e-tiny/e4e-tiny.pt")), "--images", str(faces), "--out", str(out)]) == 0
    codes = np.load(out)
    assert codes.dtype == np.dtype("<f4")
    assert_close(codes, golden("e4e-tiny/wplus.npy"), "W+ codes [N, numWs, wDim]")


def test_a_face_that_is_not_256_px_is_one_line_and_exit_2(tmp_path, capsys):
    write_png(tmp_path / "small.png", torch.zeros(3, 64, 64))
    code = main(["--e4e", str(golden_path("e4e-tiny/e4e-tiny.pt")), "--images", str(tmp_path),
                 "--out", str(tmp_path / "x.npy")])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "small.png: is 64×64; e4e needs aligned 256×256 faces" in err
