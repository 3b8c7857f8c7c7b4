"""The `askdocs` command: exact error lines, the JSON contract, instant --help."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest
from conftest import CHILDREN, ROOT, SEEDS

from askdocs.cli import main

QUOTE_KEYS = ["source", "text", "start", "end", "score", "context", "context_start",
              "context_end", "title", "date", "page", "page_breaks", "heading"]


def run(capsys, *args):
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_help_does_not_load_the_heavy_libraries():
    code = ("import sys; from askdocs.cli import parser; parser().format_help(); "
            "print(sorted(m for m in ('torch', 'faiss', 'sentence_transformers', 'gradio') "
            "if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "[]"


@pytest.mark.parametrize("question, line", [
    ("", "Error: the question is empty"),
    (" \t ", "Error: the question is empty"),
    ("x" * 2001, "Error: the question is 2,001 characters long; the limit is 2,000"),
])
def test_bad_questions(capsys, tmp_path, question, line):
    code, out, err = run(capsys, "ask", question, "--index", str(tmp_path / "index"))
    assert (code, out, err) == (1, "", line + "\n")


def test_no_index(capsys, tmp_path):
    index = tmp_path / "index"
    code, out, err = run(capsys, "ask", "how many?", "--index", str(index))
    assert (code, err) == (1, f"Error: no index at {index}/, run `askdocs index`\n")


def test_missing_and_empty_documents_folder(capsys, tmp_path):
    code, _, err = run(capsys, "index", "--docs", str(tmp_path / "nope"), "--index",
                       str(tmp_path / "index"))
    assert (code, err) == (1, f"Error: documents folder {tmp_path / 'nope'}/ does not exist\n")
    (tmp_path / "empty").mkdir()
    (tmp_path / "empty" / "photo.png").write_bytes(b"\x89PNG")
    code, _, err = run(capsys, "index", "--docs", str(tmp_path / "empty"), "--index",
                       str(tmp_path / "index"))
    assert (code, err) == (1, "Error: no readable .txt, .md, .pdf, .docx, .html or .htm "
                              f"documents in {tmp_path / 'empty'}/ (1 file of other formats: "
                              ".png)\n")


def test_unknown_model_is_a_clear_error(capsys, tmp_path):
    code, _, err = run(capsys, "index", "--docs", str(SEEDS), "--index", str(tmp_path / "i"),
                       "--model", str(tmp_path / "no-model"))
    assert code == 1 and err.startswith("Error: model ") and err.count("\n") == 1


@pytest.mark.model
def test_json_contract(capsys, seed_index):
    code, out, err = run(capsys, "ask", CHILDREN, "--index", str(seed_index), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert list(data) == ["question", "answered", "confidence", "quotes", "notes"]
    assert 0.0 <= data["confidence"] <= 1.0
    assert data["question"] == CHILDREN and data["answered"] is True
    assert isinstance(data["notes"], list) and all(isinstance(n, str) for n in data["notes"])
    for quote in data["quotes"]:
        assert list(quote) == QUOTE_KEYS
        text = (SEEDS / quote["source"]).read_bytes().decode("utf-8")
        assert text[quote["start"]:quote["end"]] == quote["text"]
        assert text[quote["context_start"]:quote["context_end"]] == quote["context"]
        assert isinstance(quote["score"], float)


@pytest.mark.model
def test_the_module_level_ask_reads_a_follow_up_as_load_ask_does(seed_index, seed_engine):
    import askdocs

    before = "What happened in Kryvyi Rih?"
    follow_up = askdocs.ask("When?", seed_index, previous=before)
    assert follow_up.answered
    assert follow_up.quotes == seed_engine.ask("When?", previous=before).quotes
    assert not askdocs.ask("When?", seed_index).answered  # alone it asks nothing



@pytest.mark.model
def test_the_cli_asks_a_follow_up_with_the_question_before(capsys, seed_index, seed_engine):
    before = "What happened in Kryvyi Rih?"
    code, out, _ = run(capsys, "ask", "When?", "--index", str(seed_index), "--previous", before,
                       "--json")
    assert code == 0
    expected = seed_engine.ask("When?", previous=before)
    assert expected.answered
    assert [(q["source"], q["start"], q["end"]) for q in json.loads(out)["quotes"]] == [
        (q.source, q.start, q.end) for q in expected.quotes]
    code, out, _ = run(capsys, "ask", "When?", "--index", str(seed_index), "--previous", "",
                       "--json")
    assert code == 0 and not json.loads(out)["answered"]  # no question before: it asks nothing


def test_list_names_the_indexed_documents_without_loading_a_model(capsys, tmp_path):
    from askdocs import build_index
    from askdocs.embedding import HashEmbedder

    index = tmp_path / "index"
    build_index(SEEDS, index, embedder=HashEmbedder())
    code, out, _ = run(capsys, "list", "--index", str(index), "--json")
    listed = json.loads(out)
    assert code == 0 and sorted(d["source"] for d in listed) == sorted(
        p.name for p in SEEDS.glob("*.txt"))
    assert all(set(d) == {"source", "title", "date", "size"} for d in listed)
    code, out, _ = run(capsys, "list", "--index", str(index))
    lines = out.splitlines()
    assert code == 0 and lines[-1] == f"2 documents in {index}/"
    assert all(line.startswith(f"{d['source']}: {d['title']} ({d['size']:,} bytes")
               for line, d in zip(lines, listed))
    code, out, err = run(capsys, "list", "--index", str(tmp_path / "none"))
    assert (code, out) == (1, "") and err == f"Error: no index at {tmp_path / 'none'}/, run " \
        "`askdocs index`\n"


@pytest.mark.model
def test_readable_output_and_abstention(capsys, seed_index):
    code, out, _ = run(capsys, "ask", CHILDREN, "--index", str(seed_index))
    assert code == 0 and "000_313469e783f3e27a.txt" in out and "Six of the dead" in out
    assert out.splitlines()[1] == "2 sources answer and agree: six children"
    assert re.fullmatch(r"\d+ quote\(s\) from 2 source\(s\), confidence 0\.\d\d:",
                        out.splitlines()[2])
    code, out, _ = run(capsys, "ask", "What is the capital of France?", "--index",
                       str(seed_index))
    assert code == 0 and "The documents don't answer this." in out
    # a name no document says is reported, answered or not
    code, out, _ = run(capsys, "ask", "What did Boris Johnson say about Kryvyi Rih?", "--index",
                       str(seed_index))
    assert code == 0 and "Note: No document mentions “Boris” or “Johnson”." in out


@pytest.mark.model
def test_the_installed_command_end_to_end(tmp_path):
    env = {**os.environ, "ASKDOCS_INDEX": str(tmp_path / "index"), "ASKDOCS_DOCS": str(SEEDS)}
    askdocs = [sys.executable, "-m", "askdocs.cli"]
    built = subprocess.run(askdocs + ["index"], capture_output=True, text=True, env=env,
                           cwd=ROOT)
    assert built.returncode == 0, built.stderr
    assert built.stdout.startswith("Indexed 2 added, 0 updated, 0 removed, 0 unchanged")
    again = subprocess.run(askdocs + ["index"], capture_output=True, text=True, env=env,
                           cwd=ROOT)
    assert again.stdout.startswith("Index is up to date: 0 added")
    asked = subprocess.run(askdocs + ["ask", CHILDREN, "--json"], capture_output=True,
                           text=True, env=env, cwd=ROOT)
    assert asked.returncode == 0 and "Traceback" not in asked.stderr
    assert json.loads(asked.stdout)["answered"] is True
    reader = subprocess.Popen(askdocs + ["ask", CHILDREN], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=env, cwd=ROOT)
    reader.stdout.close()  # `askdocs ask ... | head -0`: nobody reads the answer
    assert reader.wait() == 0 and b"Traceback" not in reader.stderr.read()


def test_eval_on_a_missing_file_is_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "eval", "--squad", str(tmp_path / "nope.json"))
    assert code == 1 and err.startswith("Error: cannot read SQuAD file") and err.count("\n") == 1


@pytest.mark.model
def test_eval_on_one_article(capsys, tmp_path):
    slice_ = ROOT / "tests" / "data" / "squad_slice.json"
    code, out, _ = run(capsys, "eval", "--squad", str(slice_), "--articles", "1", "--work",
                       str(tmp_path))
    assert code == 0 and out.startswith("1 articles, ") and "P@1 " in out
