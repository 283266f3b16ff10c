"""The fixture format: wrapping long lines never changes the text a case compares."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.markdown.fixture_format import MARK, WIDTH, format_case, read_cases, rewrite_case

TEX_ANNOTATION = ('<math display="block"><semantics><mrow><mi>a</mi></mrow>'
                  '<annotation encoding="application/x-tex">a \\\\</annotation></semantics>'
                  '</math> and more text after it, so that the line is long enough to wrap '
                  'at least twice, \\\\')


def written(tmp_path: Path, *cases: tuple[str, str, str]) -> Path:
    path = tmp_path / "cases.md"
    path.write_text("".join(format_case(*case) for case in cases), "utf-8")
    return path


def test_long_lines_are_wrapped_and_read_back_exactly(tmp_path: Path):
    expected = "<p>" + "word " * 200 + "</p>\n" + TEX_ANNOTATION
    path = written(tmp_path, ("long", "x\n", expected))
    lines = path.read_text("utf-8").splitlines()
    assert max(len(line) for line in lines) <= WIDTH
    assert sum(line.endswith(MARK) for line in lines) >= 10
    (case,) = read_cases(path)
    assert (case.title, case.source, case.expected) == ("long", "x\n", expected)


def test_a_whitespace_difference_in_a_wrapped_line_still_counts(tmp_path: Path):
    path = written(tmp_path, ("spaces", "x\n", "<p>" + "a  b " * 60 + "</p>"))
    text = path.read_text("utf-8")
    path.write_text(text.replace("a  b", "a b", 1), "utf-8")
    assert read_cases(path)[0].expected != "<p>" + "a  b " * 60 + "</p>"
    path.write_text(text.replace(f" {MARK}\n", f"{MARK}\n", 1), "utf-8")  # a space lost at a break
    assert read_cases(path)[0].expected != "<p>" + "a  b " * 60 + "</p>"


def test_lines_that_look_like_marks_or_separators_are_written_unambiguously(tmp_path: Path):
    tricky = f"ends with the mark {MARK}\n.\n. \n{MARK}\n\n" + TEX_ANNOTATION
    path = written(tmp_path, ("tricky", tricky + "\n", tricky), ("next", "y\n", "<p>y</p>"))
    first, second = read_cases(path)
    assert (first.source, first.expected) == (tricky + "\n", tricky)
    assert (second.title, second.expected) == ("next", "<p>y</p>")


def test_the_unwrapped_format_reads_as_it_always_did(tmp_path: Path):
    path = tmp_path / "old.md"
    long_line = "<p>" + "x" * 2000 + "</p>"
    path.write_text(f"first\n.\n*a*\n.\n{long_line}\n.\n\nempty output\n.\nb\n.\n.\n", "utf-8")
    first, second = read_cases(path)
    assert (first.title, first.source, first.expected, first.line) == (
        "first", "*a*\n", long_line, 1)
    assert (second.title, second.source, second.expected, second.line) == (
        "empty output", "b\n", "", 8)


def test_rewriting_one_case_wraps_it_and_keeps_the_others(tmp_path: Path):
    path = tmp_path / "cases.md"
    path.write_text("a\n.\nx\n.\nold\n.\n\nb\n.\ny\n.\n<p>y</p>\n.\n", "utf-8")
    assert rewrite_case(path, 0, "x\n", "new " * 40)
    assert not rewrite_case(path, 0, "x\n", "new " * 40)
    first, second = read_cases(path)
    assert first.expected == "new " * 40 and second.expected == "<p>y</p>"
    assert path.read_text("utf-8").endswith("\n\nb\n.\ny\n.\n<p>y</p>\n.\n")


LINE_TEXT = st.text(st.characters(blacklist_characters="\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029",
                                  blacklist_categories=("Cs",)) | st.sampled_from(
    [MARK, ".", " ", "\\", "<", ">"]), max_size=260)


@settings(max_examples=300, deadline=None)
@given(st.lists(LINE_TEXT, min_size=1, max_size=5), st.lists(LINE_TEXT, max_size=5))
def test_any_case_reads_back_as_written(tmp_path_factory, source_lines, expected_lines):
    source = "\n".join(source_lines) + "\n"
    expected = "\n".join(expected_lines)
    folder = tmp_path_factory.mktemp("case")
    (case,) = read_cases(written(folder, ("case", source, expected)))
    assert (case.source, case.expected) == (source, expected)
