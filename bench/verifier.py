"""An experiment, not part of askdocs: the packaged all-MiniLM-L6-v2 read as a cross-encoder of
(question, sentence), scoring how likely the sentence answers the question rather than only
being about it.

Only its top TRAINED layers and a one-logit head are fine-tuned (bench/train_verifier.py); they
are saved as float16 safetensors (about 11 MB, no pickle) and laid over the packaged model's
own weights at load. Measured by bench/fit_answerability.py --folds: it tells answering from
non-answering sentences (AUC 0.70 on held-out articles) but not answerable questions from near
misses (0.53, no better than the similarity it would replace), so askdocs does not ship it;
README, "Abstention", has the figures.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from askdocs.embedding import resolve_model_path
from askdocs.errors import AskDocsError

TRAINED = 3  # top encoder layers fine-tuned (of 6); the rest are the packaged model's
WEIGHTS = Path(__file__).parent / ".cache" / "verifier" / "verifier.safetensors"
MAX_LENGTH = 128  # tokens of question and sentence together (the sentence is cut, if ever)


class Verifier:
    """Scores (question, sentence) pairs: a logit, higher when the sentence answers."""

    def __init__(self, model, tokenizer, layers: int):
        self.model = model
        self.tokenizer = tokenizer
        self.layers = layers
        self.max_length = MAX_LENGTH
        self.lock = threading.Lock()

    def is_trained(self, name: str) -> bool:
        """Whether a parameter is one of those fine-tuned (and saved)."""
        if name.startswith(("classifier.", "bert.pooler.")):
            return True
        return any(name.startswith(f"bert.encoder.layer.{i}.")
                   for i in range(self.layers - TRAINED, self.layers))

    def scores(self, question: str, sentences: list[str]) -> np.ndarray:
        """One logit per sentence."""
        import torch

        if not sentences:
            return np.zeros(0, dtype=np.float32)
        with self.lock, torch.inference_mode():
            inputs = self.tokenizer([question] * len(sentences), sentences, padding=True,
                                    truncation="only_second", max_length=self.max_length,
                                    return_tensors="pt")
            return self.model(**inputs).logits.squeeze(-1).float().numpy()


def load_verifier(trained: Path | None = WEIGHTS) -> Verifier:
    """The packaged model with the verifier's trained layers laid over it (trained=None: the
    untrained starting point, for training)."""
    import transformers
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = resolve_model_path("all-MiniLM-L6-v2")
    verbosity = transformers.logging.get_verbosity()
    transformers.logging.set_verbosity_error()  # "newly initialised head": it is, then loaded
    try:
        model = AutoModelForSequenceClassification.from_pretrained(
            str(path), num_labels=1, local_files_only=True)
    finally:
        transformers.logging.set_verbosity(verbosity)
    tokenizer = AutoTokenizer.from_pretrained(str(path), local_files_only=True)
    verifier = Verifier(model, tokenizer, model.config.num_hidden_layers)
    if trained is not None:
        from safetensors.torch import load_file

        try:
            state = load_file(str(trained))
        except (OSError, ValueError) as error:
            raise AskDocsError(f"the answer verifier's weights ({trained}) cannot be read "
                               f"({error}); reinstall askdocs") from None
        own = model.state_dict()
        if set(state) != {n for n in own if verifier.is_trained(n)} or any(
                state[n].shape != own[n].shape for n in state):
            raise AskDocsError(f"the answer verifier's weights ({trained}) do not fit the "
                               "packaged model; reinstall askdocs")
        model.load_state_dict({n: t.float() for n, t in state.items()}, strict=False)
    model.eval()
    return verifier


def save_verifier(model, folder: str | Path) -> Path:
    """Save the trained layers and head as float16 safetensors."""
    from safetensors.torch import save_file

    verifier = Verifier(model, None, model.config.num_hidden_layers)
    state = {n: t.detach().half().contiguous() for n, t in model.state_dict().items()
             if verifier.is_trained(n)}
    target = Path(folder) / "verifier.safetensors"
    target.parent.mkdir(parents=True, exist_ok=True)
    save_file(state, str(target))
    return target
