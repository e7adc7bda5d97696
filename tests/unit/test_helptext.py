"""parse_help: the layout rules of SPEC section 2, one test each."""

from __future__ import annotations

from verifier.helptext import parse_help

PAD = " " * 40

# Verbatim excerpt of build 11434's --help (SPEC section 2), incl. the 40-space blank line.
EXCERPT_B11434 = f"""\
----- speculative params -----

--spec-draft-n-max N                    number of tokens to draft for speculative decoding (default: 3)
{PAD}(env: LLAMA_ARG_SPEC_DRAFT_N_MAX)
--spec-type none,draft-simple,draft-eagle3,draft-mtp,draft-dflash,draft-dspark,ngram-simple,ngram-map-k,ngram-map-k4v,ngram-mod,ngram-cache
{PAD}comma-separated list of types of speculative decoding to use (default:
{PAD}none)
{PAD}
{PAD}(env: LLAMA_ARG_SPEC_TYPE)
--spec-ngram-mod-n-min N                minimum number of ngram tokens to use for ngram-based speculative
{PAD}decoding (default: 48)
--draft, --draft-n, --draft-max N       the argument has been removed. use --spec-draft-n-max or
{PAD}--spec-ngram-mod-n-max
{PAD}(env: LLAMA_ARG_DRAFT_MAX)
"""


def test_entry_with_description_on_the_same_line() -> None:
    entry = parse_help(EXCERPT_B11434).get("--spec-draft-n-max")
    assert entry is not None
    assert entry.names == ("--spec-draft-n-max",)
    assert entry.hint == "N"
    assert entry.description == "number of tokens to draft for speculative decoding (default: 3)"
    assert entry.env == "LLAMA_ARG_SPEC_DRAFT_N_MAX"
    assert entry.default == "3"
    assert entry.section == "speculative params"
    assert not entry.removed


def test_long_head_puts_description_on_next_line_across_a_blank_40_space_line() -> None:
    entry = parse_help(EXCERPT_B11434).get("--spec-type")
    assert entry is not None
    assert entry.values[:4] == ("none", "draft-simple", "draft-eagle3", "draft-mtp")
    assert len(entry.values) == 11
    assert entry.description == "comma-separated list of types of speculative decoding to use (default: none)"
    assert entry.default == "none"
    assert entry.env == "LLAMA_ARG_SPEC_TYPE"


def test_flag_at_start_of_wrapped_line_is_not_an_entry() -> None:
    parsed = parse_help(EXCERPT_B11434)
    assert parsed.get("--spec-ngram-mod-n-max") is None
    assert [e.names[0] for e in parsed.entries] == [
        "--spec-draft-n-max", "--spec-type", "--spec-ngram-mod-n-min", "--draft"]


def test_removed_stub_keeps_all_its_names_and_message() -> None:
    parsed = parse_help(EXCERPT_B11434)
    stub = parsed.get("--draft-max")
    assert stub is not None and stub.removed
    assert stub.names == ("--draft", "--draft-n", "--draft-max")
    assert parsed.get("--draft-n") is stub
    assert stub.description == "the argument has been removed. use --spec-draft-n-max or --spec-ngram-mod-n-max"
    assert stub.env == "LLAMA_ARG_DRAFT_MAX"


def test_padded_short_name_and_aliases() -> None:
    parsed = parse_help("-h,    --help, --usage                  print usage and exit\n")
    (entry,) = parsed.entries
    assert entry.names == ("-h", "--help", "--usage")
    assert entry.hint == ""
    assert entry.description == "print usage and exit"


def test_bracketed_pipe_values_and_mtp_alias_anywhere() -> None:
    old = parse_help("--spec-type [none|ngram-cache|ngram-simple|ngram-map-k|ngram-map-k4v|ngram-mod]\n"
                     f"{PAD}type of speculative decoding to use (default: none)\n")
    assert old.get("--spec-type").values == (
        "none", "ngram-cache", "ngram-simple", "ngram-map-k", "ngram-map-k4v", "ngram-mod")
    assert parse_help("--spec-type [none|mtp]                  t\n").get("--spec-type").values == ("none", "mtp")
    assert parse_help("--spec-type none,mtp                    t\n").get("--spec-type").values == ("none", "mtp")
    assert parse_help("--spec-type mtp,none                    t\n").get("--spec-type").values == ("mtp", "none")


def test_placeholder_hint_lists_no_values() -> None:
    entry = parse_help("--spec-type TYPE                        type\n").get("--spec-type")
    assert entry.hint == "TYPE" and entry.values == ()
    multi = parse_help("--spec-replace TARGET DRAFT             translate\n").get("--spec-replace")
    assert multi.hint == "TARGET DRAFT" and multi.values == ()


def test_windows_line_endings_tabs_and_log_noise() -> None:
    text = ("load_backend: loaded CPU backend from /x/libggml-cpu.so\r\n"
            "--port PORT                             port to listen (default: 8080)\r\n"
            "\t(env: LLAMA_ARG_PORT)\r\n")
    entry = parse_help(text).get("--port")
    assert entry is not None and entry.env == "LLAMA_ARG_PORT" and entry.default == "8080"
    assert len(parse_help(text).entries) == 1


def test_empty_line_ends_an_entry() -> None:
    text = "--a N                                   first\n\n   stray indented text\n"
    assert parse_help(text).get("--a").description == "first"


def test_default_with_nested_parentheses() -> None:
    entry = parse_help("--x N                                   thing (default: f(1) max)\n").get("--x")
    assert entry.default == "f(1) max"


def test_bytes_and_invalid_utf8_are_decoded_leniently() -> None:
    parsed = parse_help(b"--a N                                   caf\xff\n")
    assert parsed.get("--a").description == "caf\ufffd"


def test_real_argument_wins_over_a_stub_of_the_same_name() -> None:
    text = ("--draft-max N                           the argument has been removed. use --x\n"
            "--draft-max N                           number of tokens\n")
    assert not parse_help(text).get("--draft-max").removed


def test_sections_are_recorded_in_order() -> None:
    text = "----- common params -----\n\n-h, --help  help\n\n----- example-specific params -----\n"
    parsed = parse_help(text)
    assert parsed.sections == ("common params", "example-specific params")
    assert parsed.get("--help").section == "common params"


def test_garbage_gives_no_entries() -> None:
    for text in ("", "\n\n", "hello world", "usage: foo", "- ", "--", "---- ----", "\x00\x01-\x02"):
        assert parse_help(text).entries == ()
