"""`listenwell nlp ...`: train and evaluate the tweet sentiment model."""

from __future__ import annotations

import os
from pathlib import Path

import click

from listenwell.cli_common import echo, print_json, print_json_line
from listenwell.config import CONFIG_ENV
from listenwell.terminal import terminal_safe

nlp_group = click.Group(
    "nlp",
    help="""Sentiment model tools: train on labelled tweets, evaluate on a labelled file.

    Labelled files are tab-separated: id, label (negative/neutral/positive), text.

    \b
    Example:
      listenwell nlp eval data/my-labelled.tsv --json
    """,
)


@nlp_group.command(
    "train-sentiment",
    help="""Train the sentiment model and write the artefact to OUT.

    DATA is a directory of id<TAB>label<TAB>text files (*.txt / *.tsv) or a single
    such file.  Files named with --holdout are not trained on; the model is scored
    on each of them (if none exists, 10% of the rows are held back for the report
    and the final model is refitted on all rows).  Needs scikit-learn
    (pip install 'listenwell[train]').

    \b
    Example:
      listenwell nlp train-sentiment --data ~/data/sentiment --out /tmp/my-model
    """,
)
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path),
              help="Directory of labelled TSV files, or one labelled TSV file.")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Output directory for the model artefact (created if missing).")
@click.option("--holdout", "holdout", multiple=True, default=("twitter-2016devtest-A.txt",),
              show_default=True, help="File name (in DATA) or path to hold back and report on; repeatable.")
@click.option("--exclude", "exclude", multiple=True,
              help="File name in DATA not to train on (and not evaluate); repeatable.")
@click.option("--C", "C", type=float, default=None, help="Inverse regularisation strength (default: tuned value).")
@click.option("--no-lexicon", is_flag=True, help="Do not use the VADER polarity lexicon features.")
@click.option("--model-version", default=None, help="Version string stored in meta.json (default: lr-YYYYMMDD).")
@click.option("--json", "as_json", is_flag=True, help="Print the training report as JSON.")
def train_sentiment(data: Path, out: Path, holdout, exclude, C, no_lexicon, model_version, as_json):
    try:
        from nlp.sentiment_train import train
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise click.ClickException(
            f"training needs scikit-learn and scipy ({e}); install with: pip install 'listenwell[train]'"
        )
    settings = {}
    if C is not None:
        settings["C"] = C
    if no_lexicon:
        settings["lexicon"] = None
    if exclude:
        settings["exclude"] = tuple(exclude)
    if model_version:
        settings["version"] = model_version
    try:
        report = train(data, out, holdout=tuple(holdout), **settings)
    except ImportError as e:
        raise click.ClickException(
            f"training needs scikit-learn, scipy and vaderSentiment ({e}); "
            "install with: pip install 'listenwell[train]' (or pass --no-lexicon)"
        )
    except ValueError as e:
        raise click.ClickException(terminal_safe(str(e)))
    if as_json:
        print_json(report)
        return
    echo(f"model {report['version']} written to {report['out_dir']} "
         f"({report['n_train']} training posts, {report['train_seconds']} s)")
    if not report["holdout"]:
        echo("no holdout file found and too few rows for a split: no held-back metrics")
    for name, m in report["holdout"].items():
        echo(f"{name}: n={m['n']} macro_recall={m['macro_recall']:.3f} "
             f"accuracy={m['accuracy']:.3f} f1_pn={m['f1_pn']:.3f}")


@nlp_group.command(
    "eval",
    help="""Evaluate a sentiment model on a labelled FILE (id<TAB>label<TAB>text).

    Prints the number of posts scored, malformed lines skipped, macro-averaged
    recall over the three classes, accuracy, mean F1 of positive and negative,
    and scoring throughput (posts per second, this process).

    \b
    Example:
      listenwell nlp eval twitter-2016devtest-A.txt --model nlp/models/sentiment --json
    """,
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--model", "model_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              default=None, help="Model artefact directory (default: the bundled model).")
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
def eval_cmd(file: Path, model_dir: Path | None, as_json: bool):
    from nlp.semeval import evaluate
    from nlp.sentiment import SentimentModel

    try:
        model = SentimentModel.load(model_dir)
    except (FileNotFoundError, ValueError, KeyError) as e:
        raise click.ClickException(terminal_safe(f"cannot load sentiment model: {e}"))
    try:
        result = evaluate(model, file)
    except ValueError as e:
        raise click.ClickException(terminal_safe(str(e)))
    out = {k: result[k] for k in ("n", "skipped", "macro_recall", "accuracy", "f1_pn", "posts_per_s")}
    if as_json:
        print_json_line(out)
        return
    echo(f"n            {out['n']}")
    echo(f"skipped      {out['skipped']}")
    echo(f"macro_recall {out['macro_recall']:.4f}")
    echo(f"accuracy     {out['accuracy']:.4f}")
    echo(f"f1_pn        {out['f1_pn']:.4f}")
    echo(f"posts_per_s  {out['posts_per_s']:.0f}")


@nlp_group.command(
    "eval-moments",
    help="""Score the moment and intent detectors on a labelled FILE of posts.

    FILE has one post per line: labels<TAB>addressed_to_us (0/1)<TAB>text, where
    labels are comma-separated moment types and intents ('!type' marks a hard
    negative, '-' none). Default: the bundled set tests/data/moments_eval.tsv.
    Prints precision, recall and F1 per type and micro-averaged overall, for the
    dev split and the held-out split (every third post), with the real
    sentiment model scoring intents.

    \b
    Example:
      listenwell nlp eval-moments
      listenwell nlp eval-moments tests/data/moments_eval.tsv --json
    """,
)
@click.argument("file", required=False, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the metrics as one JSON object.")
@click.option("--errors", "show_errors", type=click.Choice(["dev", "heldout"]), default=None,
              help="Also list the posts of this split the detectors got wrong.")
@click.option("--whole", is_flag=True,
              help="Score the whole file as one set (for tests/data/eval/*_dev.tsv and *_blind.tsv).")
def eval_moments_cmd(file: Path | None, as_json: bool, show_errors: str | None, whole: bool):
    from nlp.moments_eval import evaluate, format_table

    try:
        result = evaluate(file, whole=whole)
    except (ValueError, UnicodeDecodeError) as e:
        raise click.ClickException(terminal_safe(str(e)))
    if as_json:
        print_json_line(result)
        return
    echo(format_table(result))
    if show_errors:
        echo(f"\nerrors ({show_errors}):")
        for err in result["errors"][show_errors]:
            echo(f"  line {err['line']}: missed={','.join(err['missed']) or '-'} "
                 f"extra={','.join(err['extra']) or '-'}  {err['text']}")


@nlp_group.command(
    "tag",
    help="""Show what the tagger makes of your own text: FILE has one post per line ('-' reads stdin).

    Prints one line per post; with --json, one JSON object per line:
    {"lang", "sentiment", "label", "intents": [...], "evidence": {intent: span},
    "moments": [{"type", "confidence", "evidence"}], "to_us", "about_us", "competitors": [...]}.
    Posts that are not English are not scored by the English models; posts whose language
    cannot be told are "und". to_us, about_us and competitors (their configured names) follow
    the brand, competitors and handles of the config (--config, else ./config.yaml if there is
    one; with neither, nothing is about anyone and only --addressed makes a post to us).

    \b
    Example:
      listenwell nlp tag my-posts.txt --addressed --json
      listenwell --config config.yaml nlp tag my-posts.txt --json
      echo "@fernhillhq the export failed again, third time this week" | listenwell nlp tag - --addressed
    """,
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, allow_dash=True, path_type=Path))
@click.option("--addressed", is_flag=True, help="Read every post as addressed to us (mentions or replies to us).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def tag_cmd(file: Path, addressed: bool, as_json: bool):
    from nlp.brands import BrandMatcher, brand_fields
    from nlp.tag_record import FIELDS, records

    config = _config_if_any()  # before reading the posts: a bad config exits 2 and nothing is tagged
    matcher = BrandMatcher.from_config(config) if config is not None else BrandMatcher(None, [], {})

    def brand_field(doc) -> dict:
        from nlp.pipeline import text_of

        return brand_fields(text_of(doc), matcher=matcher, addressed=addressed)

    stream = click.get_text_stream("stdin") if str(file) == "-" else None
    try:
        if stream is not None:
            lines = [line.rstrip("\r\n") for line in stream]
        else:
            with open(file, encoding="utf-8", errors="replace", newline="") as fh:
                lines = [line.rstrip("\r\n") for line in fh]
    except OSError as e:
        echo(f"Error: cannot read {file}: {e.strerror or e}", err=True)
        raise SystemExit(2)
    for record in records(lines, addressed_to_us=addressed, fields=[*FIELDS, brand_field]):
        if as_json:
            print_json_line(record)
        else:
            echo(_tag_line(record))


def _config_if_any():
    """The config given with --config (or $LISTENWELL_CONFIG), else ./config.yaml if it exists, else None:
    reading text needs no config, but the brand fields follow one when there is one. An invalid config is
    an error (exit 2 naming the key), as for every command."""
    from listenwell.cli_common import State
    from listenwell.config import find_config_path

    state = click.get_current_context().find_object(State) or State(None)
    explicit = state.config_path or os.environ.get(CONFIG_ENV)
    if not explicit and not find_config_path(None).is_file():
        return None
    return state.config


def _tag_line(record: dict) -> str:
    parts = [record.get("lang") or "und"]
    if record.get("label"):
        parts.append(f"{record['label']} {record['sentiment']:+.2f}")
    elif record.get("lang") != "en":
        parts.append("not scored")
    for name in record.get("intents", []):
        parts.append(f"{name}: “{record['evidence'].get(name, '')}”")
    for m in record.get("moments", []):
        parts.append(f"moment {m['type']} {m['confidence']:.2f}: “{m['evidence']}”")
    if "to_us" in record:
        parts.append(f"to us: {'yes' if record['to_us'] else 'no'}")
        parts.append(f"about us: {'yes' if record['about_us'] else 'no'}")
        parts.append(f"competitors: {', '.join(record['competitors']) or '-'}")
    # post text on a terminal: control characters (escape sequences included) are not passed through
    return "".join(ch if ch.isprintable() else " " for ch in " · ".join(parts))


@nlp_group.command(
    "train-complaints",
    help="""Train the complaint classifier and write it to OUT (default: the bundled nlp/models/complaints).

    DATA is the shared complaints folder (complaints-train.tsv: id, label, domain, text). Our own
    labelled posts (nlp/data/complaints_ours.tsv) are added to training. Prints precision, recall and
    F1 with one domain held out at a time (--no-lodo skips it). Needs scikit-learn
    (pip install 'listenwell[train]'); the model it writes is scored with numpy only.

    \b
    Example:
      listenwell nlp train-complaints --data ../shared/data/complaints --out /tmp/complaints
    """,
)
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path),
              help="The shared complaints folder, or its complaints-train.tsv.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output directory (default: nlp/models/complaints).")
@click.option("--ours", "ours", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Our own labelled posts, label<TAB>text (default: nlp/data/complaints_ours.tsv).")
@click.option("--lodo/--no-lodo", default=True, help="Report leave-one-domain-out figures (8 extra fits).")
@click.option("--model-version", default=None, help="Version string stored in meta.json.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def train_complaints_cmd(data: Path, out: Path | None, ours: Path | None, lodo: bool, model_version, as_json):
    try:
        from nlp.complaints import DEFAULT_MODEL_DIR
        from nlp.textclf_train import OWN_COMPLAINTS, train_complaints
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise click.ClickException(f"training needs scikit-learn ({e}); install with: pip install 'listenwell[train]'")
    try:
        report = train_complaints(data, out or DEFAULT_MODEL_DIR, ours or OWN_COMPLAINTS, version=model_version,
                                  lodo=lodo)
    except ImportError as e:
        raise click.ClickException(f"training needs scikit-learn and vaderSentiment ({e}): "
                                   "pip install 'listenwell[train]'")
    except ValueError as e:
        raise click.ClickException(terminal_safe(str(e)))
    if as_json:
        print_json(report)
        return
    echo(f"complaint model {report['version']} written to {report['out_dir']} "
         f"({report['n_train']} posts, {report['own']} of them ours, {report['seconds']} s)")
    if report["lodo"]:
        _print_lodo(report["lodo"])


def _print_lodo(report: dict) -> None:
    echo(f"leave one domain out ({report['protocol']}):")
    for domain, m in list(report["per_domain"].items()) + [("POOLED", report["pooled"])]:
        echo(f"  {domain:<12} n={m['n']:>4} complaints={m['positives']:>4}  P {m['precision']:.3f}  "
             f"R {m['recall']:.3f}  F1 {m['f1']:.3f}")


@nlp_group.command(
    "train-readers",
    help="""Train the intent and moment readers on nlp/data/train/ and write them to OUT (default: nlp/models/).

    For each writer, a reader trained on the other two scores that writer's posts; each label's thresholds
    (add a label the rules missed, veto a rule's label) are chosen on those out-of-writer figures, then the
    shipped readers are trained on all writers. Never reads tests/data/eval/. Needs scikit-learn
    (pip install 'listenwell[train]'); the readers it writes are scored with numpy only.

    \b
    Example:
      listenwell nlp train-readers --out /tmp/readers
    """,
)
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Output directory; the readers go to OUT/intent_reader and OUT/moment_reader.")
@click.option("--data", "data", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="Folder of {intents,moments}_{a,b,c}.tsv (default: nlp/data/train).")
@click.option("--model-version", default=None, help="Version string stored in meta.json.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def train_readers_cmd(out: Path | None, data: Path | None, model_version, as_json):
    try:
        from nlp.readers_train import TRAIN_DIR, train_readers
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise click.ClickException(f"training needs scikit-learn ({e}); install with: pip install 'listenwell[train]'")
    try:
        report = train_readers(out, data or TRAIN_DIR, version=model_version)
    except ImportError as e:
        raise click.ClickException(f"training needs scikit-learn ({e}): pip install 'listenwell[train]'")
    except (OSError, ValueError) as e:
        raise click.ClickException(terminal_safe(str(e)))
    if as_json:
        print_json(report)
        return
    for task, r in report.items():
        echo(f"{task} reader written to {r['out_dir']} ({r['n_train']} posts, {r['seconds']} s); "
             f"out-of-writer micro: rules P {r['rules_micro']['precision']} R {r['rules_micro']['recall']}, "
             f"rules + reader P {r['combined_micro']['precision']} R {r['combined_micro']['recall']}")
        for label, c in r["per_label"].items():
            echo(f"  {label:<16} add at {c['add']:<5} veto below {c['veto']:<5} P {c['precision']:.3f} "
                 f"R {c['recall']:.3f} (rules P {c['rules_precision']} R {c['rules_recall']})")


@nlp_group.command(
    "eval-complaints",
    help="""Complaint F1 with one domain of DATA held out at a time, for the model alone and for the
    reading the pipeline makes (the model combined with the rules, every post read as addressed to a
    brand, as the data's tweets are). Needs scikit-learn to refit the model per fold.

    \b
    Example:
      listenwell nlp eval-complaints --data ../shared/data/complaints
    """,
)
@click.option("--data", "data", required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def eval_complaints_cmd(data: Path, as_json: bool):
    from nlp.intents import read_intents
    from nlp.sentiment import default_model
    from nlp.textclf_train import leave_one_domain_out, read_complaints, read_own

    rows = read_complaints(data)
    own = read_own()
    sentiment = default_model()

    def combined(text: str, model) -> bool:
        return any(i.name == "complaint"
                   for i in read_intents(text, sentiment.score(text)[1], True, complaint_model=model))

    report = {"model": leave_one_domain_out(rows, own), "combined": leave_one_domain_out(rows, own, decide=combined)}
    if as_json:
        print_json(report)
        return
    for name, result in report.items():
        echo(f"{name}:")
        _print_lodo(result)


@nlp_group.command(
    "eval-language",
    help="""Accuracy of language identification on FILE (lang<TAB>text, 'und' for undetermined):
    per language, for the ten main languages together, and for the rest.

    \b
    Example:
      listenwell nlp eval-language tests/data/eval/language_blind.tsv
    """,
)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the numbers as JSON.")
def eval_language_cmd(file: Path, as_json: bool):
    import time

    from nlp.language import detect_language

    main = ("en", "es", "fr", "de", "pt", "it", "nl", "sv", "pl", "tr")
    rows = []
    for line in file.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#") and "\t" in line:
            gold, text = line.split("\t", 1)
            rows.append((gold.strip(), text))
    detect_language("warm up")
    started = time.perf_counter()
    got = [detect_language(text) for _gold, text in rows]
    seconds = time.perf_counter() - started
    per: dict[str, list[int]] = {}
    for (gold, _t), pred in zip(rows, got):
        per.setdefault(gold, [0, 0])
        per[gold][1] += 1
        per[gold][0] += pred == gold

    def share(langs) -> dict:
        right = sum(per[lang][0] for lang in langs if lang in per)
        total = sum(per[lang][1] for lang in langs if lang in per)
        return {"right": right, "n": total, "accuracy": round(right / total, 4) if total else None}

    out = {"file": str(file), "main_ten": share(main), "others": share([lang for lang in per if lang not in main]),
           "all": share(list(per)), "per_language": {k: {"right": v[0], "n": v[1]} for k, v in sorted(per.items())},
           "posts_per_s": round(len(rows) / seconds) if seconds else None,
           "und_scoring": "a post labelled und is right only when the identifier says und"}
    if as_json:
        print_json_line(out)
        return
    for key in ("main_ten", "others", "all"):
        m = out[key]
        echo(f"{key:<9} {m['right']}/{m['n']} = {m['accuracy']}")
    echo("per language: " + ", ".join(f"{k} {v['right']}/{v['n']}" for k, v in out["per_language"].items()))
